import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodePng } from '../../agent/image/png.ts';
import { readStepRecords, readTrace, TraceFormatError } from '../../agent/trace/reader.ts';
import { newRunId, osworldTimestamp } from '../../agent/trace/run-id.ts';
import { upgradeRecord, type UpgradeTable } from '../../agent/trace/upgrade.ts';
import { TraceWriter } from '../../agent/trace/writer.ts';
import { patternImage, stepRecord } from './fixtures/records.ts';

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'deskpilot-trace-')), 'run');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

async function writeRun(steps: number): Promise<void> {
  const writer = await TraceWriter.create(dir, { instruction: 'open the file', model: 'script:x.json', family: 'pyautogui', settings: { maxSteps: 15 } });
  for (let s = 1; s <= steps; s++) {
    const name = await writer.writeScreenshot(s, patternImage(64, 40, s), new Date(2026, 0, 1, 12, 0, s));
    await writer.writeStep(stepRecord(s, name));
  }
  await writer.setStatus('success', 'opened');
  await writer.close();
}

describe('TraceWriter + readTrace', () => {
  it('writes a run folder that reads back with identical records, screenshots and OSWorld lines', async () => {
    await writeRun(2);
    const trace = await readTrace(dir);
    expect(trace.run.status).toBe('success');
    expect(trace.run.message).toBe('opened');
    expect(trace.run.steps).toBe(2);
    expect(trace.run.endedAt).toBeDefined();
    expect(trace.finished).toBe(true);
    expect(trace.warnings).toEqual([]);
    expect(trace.steps.map((s) => s.step)).toEqual([1, 2]);
    expect(trace.steps[0]!.screenshot).toBe('step_1_20260101@120001.png');
    expect(trace.steps[1]).toEqual(stepRecord(2, 'step_2_20260101@120002.png'));
    const png = await decodePng(await readFile(join(dir, trace.steps[1]!.screenshot)));
    expect(png).toEqual(patternImage(64, 40, 2));
    expect(trace.traj).toHaveLength(2);
    expect(trace.traj[0]).toMatchObject({
      step_num: 1,
      action_timestamp: '20260101@120001',
      action: 'pyautogui.click(10, 20, clicks=1, button="left")',
      reward: 0,
      done: false,
      screenshot_file: 'step_1_20260101@120001.png',
    });
  });

  it('refuses to write into a folder that already holds a trace', async () => {
    await writeRun(1);
    await expect(TraceWriter.create(dir, { instruction: 'x', model: 'm', family: 'kimi', settings: { maxSteps: 1 } })).rejects.toThrow(/not empty.*run\.json|not empty/);
  });

  it('tolerates a torn last line and says so', async () => {
    await writeRun(2);
    await appendFile(join(dir, 'steps.jsonl'), '{"version":1,"step":3,"startedAt":"2026-');
    const trace = await readTrace(dir);
    expect(trace.steps).toHaveLength(2);
    expect(trace.warnings.join('\n')).toMatch(/steps\.jsonl:3: last line is incomplete/);
  });

  it('names the file, line and field of a corrupt record', async () => {
    await writeRun(2);
    const lines = (await readFile(join(dir, 'steps.jsonl'), 'utf8')).split('\n');
    const bad = JSON.parse(lines[1]!);
    bad.actions[0].screen.at.x = 'left';
    lines[1] = JSON.stringify(bad);
    await writeFile(join(dir, 'steps.jsonl'), lines.join('\n'));
    const error = await readTrace(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TraceFormatError);
    expect((error as TraceFormatError).line).toBe(2);
    expect((error as TraceFormatError).field).toBe('actions[0].screen.at.x');
    expect((error as Error).message).toMatch(/steps\.jsonl:2: field "actions\[0\]\.screen\.at\.x"/);
  });

  it('rejects broken JSON in the middle of a file (only the last line may be torn)', async () => {
    await writeRun(2);
    const text = await readFile(join(dir, 'steps.jsonl'), 'utf8');
    await writeFile(join(dir, 'steps.jsonl'), '{oops\n' + text);
    await expect(readTrace(dir)).rejects.toThrow(/steps\.jsonl:1: is not valid JSON/);
  });

  it('in tolerant mode (a live or broken run) a bad line ends the list with a warning instead of throwing', async () => {
    await writeRun(3);
    const lines = (await readFile(join(dir, 'steps.jsonl'), 'utf8')).split('\n');
    const bad = JSON.parse(lines[1]!);
    bad.actions[0].screen = { kind: 'explode' };
    lines[1] = JSON.stringify(bad);
    await writeFile(join(dir, 'steps.jsonl'), lines.join('\n'));
    await expect(readTrace(dir)).rejects.toThrow(/steps\.jsonl:2: field "actions\[0\]\.screen\.kind"/);
    const trace = await readTrace(dir, { tolerant: true });
    expect(trace.steps.map((s) => s.step)).toEqual([1]);
    expect(trace.warnings.join('\n')).toMatch(/steps\.jsonl:2: field "actions\[0\]\.screen\.kind" .*; this line and the ones after it are left out/);
    // A step number out of order is as bad as a broken field.
    lines[1] = JSON.stringify({ ...JSON.parse(lines[2]!), step: 3 });
    await writeFile(join(dir, 'steps.jsonl'), lines.join('\n'));
    expect((await readStepRecords(dir, { tolerant: true })).steps).toHaveLength(1);
    await expect(readStepRecords(dir)).rejects.toThrow(/steps\.jsonl:2: field "step" is 3, expected 2/);
  });

  it('reads a run while its writer is mid-line: the steps so far, not finished', async () => {
    const writer = await TraceWriter.create(dir, { instruction: 'open the file', model: 'script:x.json', family: 'pyautogui', settings: { maxSteps: 15 } });
    await writer.setStatus('running');
    await writer.writeStep(stepRecord(1, await writer.writeScreenshot(1, patternImage(64, 40, 1))));
    const next = JSON.stringify(stepRecord(2, 'step_2.png'));
    await appendFile(join(dir, 'steps.jsonl'), next.slice(0, next.length / 2));
    const trace = await readTrace(dir, { tolerant: true });
    expect(trace.steps.map((s) => s.step)).toEqual([1]);
    expect(trace.finished).toBe(false);
    expect(trace.run.status).toBe('running');
    expect(trace.warnings.join('\n')).toMatch(/steps\.jsonl:2: last line is incomplete \(the run is writing it/);
    await writer.close();
  });

  it('explains a folder that is not a trace', async () => {
    await expect(readTrace(join(dir, 'nowhere'))).rejects.toThrow(/run\.json: is missing: this folder is not a deskpilot trace/);
  });

  it('refuses a trace from a newer version and upgrades an older one', async () => {
    await writeRun(1);
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
    await writeFile(join(dir, 'run.json'), JSON.stringify({ ...run, version: 9 }));
    await expect(readTrace(dir)).rejects.toThrow(/run\.json: field "version" is 9, newer than this deskpilot reads \(1\); update deskpilot/);

    // An upgrade table as a future version would add: v1 steps had "think", v2 renamed it "thinking".
    const table: UpgradeTable = { run: {}, step: { 1: ({ think, ...rest }) => ({ ...rest, thinking: think }) } };
    const upgraded = upgradeRecord('step', { version: 1, think: 'hmm', step: 1 }, table, 2);
    expect(upgraded).toEqual({ version: 2, thinking: 'hmm', step: 1 });
    expect(() => upgradeRecord('step', { version: 1 }, { run: {}, step: {} }, 2)).toThrow(/no upgrade from step record version 1/);
  });

  it('makes sortable, unique run ids and OSWorld timestamps', () => {
    const at = new Date(Date.UTC(2026, 10, 29, 4, 5, 6));
    expect(newRunId(at, 'abc123')).toBe('20261129-040506-abc123');
    expect(newRunId(at)).not.toBe(newRunId(at));
    expect(osworldTimestamp(new Date(2026, 0, 2, 3, 4, 5))).toBe('20260102@030405');
  });
});
