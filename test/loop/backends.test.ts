import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendInputError } from '../../agent/backends/errors.ts';
import { openBackend } from '../../agent/backends/open.ts';
import { parseModelSpec } from '../../agent/backends/spec.ts';
import { RepliesExhaustedError } from '../../agent/backends/scripted.ts';
import { TraceWriter } from '../../agent/trace/writer.ts';
import { collectGeneration, type GenerationEvent, type VlmBackend } from '../../models/types.ts';
import { patternImage, stepRecord } from '../trace/fixtures/records.ts';

const root = await mkdtemp(join(tmpdir(), 'deskpilot-backends-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function script(name: string, content: unknown): Promise<string> {
  const file = join(root, name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function replies(backend: VlmBackend, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await collectGeneration(backend.generate({ messages: [] }))).raw);
  return out;
}

describe('model specs', () => {
  it('parses the four forms', () => {
    expect(parseModelSpec('kimi-vl:/models/kimi')).toEqual({ kind: 'kimi-vl', dir: '/models/kimi' });
    expect(parseModelSpec('openai:http://127.0.0.1:8000/v1#kimi-vl-a3b')).toEqual({ kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', model: 'kimi-vl-a3b' });
    expect(parseModelSpec('replay:runs/abc')).toEqual({ kind: 'replay', traceDir: 'runs/abc' });
    expect(parseModelSpec('script:C:\\x.json')).toEqual({ kind: 'script', path: 'C:\\x.json' });
  });

  it('explains bad specs', () => {
    expect(() => parseModelSpec('gpt4')).toThrow(/"gpt4" is not understood; use one of kimi-vl:<package-dir>/);
    expect(() => parseModelSpec('openai:http://h/v1')).toThrow(/missing the model name: write openai:http:\/\/h\/v1#<model>/);
    expect(() => parseModelSpec('openai:localhost#m')).toThrow(/"localhost" is not an http\(s\) base URL/);
    expect(() => parseModelSpec('script:')).toThrow(BackendInputError);
  });
});

describe('script backend', () => {
  it('answers with the replies in order, splitting a thinking block, then says it ran out', async () => {
    const file = await script('a.json', { family: 'kimi', replies: ['◁think▷look◁/think▷## Action\nfirst', 'second'] });
    const backend = await openBackend(`script:${file}`);
    expect(backend.info()).toMatchObject({ family: 'kimi', coordinates: 'relative', spec: `script:${file}` });
    const events: GenerationEvent[] = [];
    for await (const e of backend.generate({ messages: [] })) events.push(e);
    expect(events.slice(0, 2)).toEqual([
      { type: 'thinking', delta: 'look' },
      { type: 'answer', delta: '## Action\nfirst' },
    ]);
    expect(events[2]).toMatchObject({ type: 'done', result: { thinking: 'look', answer: '## Action\nfirst', finishReason: 'stop' } });
    expect(await replies(backend, 1)).toEqual(['second']);
    await expect(replies(backend, 1)).rejects.toThrow(RepliesExhaustedError);
    await expect(replies(backend, 1)).rejects.toThrow(/a\.json has 2 replies and the run asked for reply 3/);
  });

  it('picks <dir>/<task-id>.json from a folder', async () => {
    await script('suite/task-1.json', { family: 'pyautogui', replies: ['DONE'] });
    const backend = await openBackend(`script:${join(root, 'suite')}`, { taskId: 'task-1' });
    expect(backend.info()).toMatchObject({ family: 'pyautogui', coordinates: 'screen' });
    expect(await replies(backend, 1)).toEqual(['DONE']);
    await expect(openBackend(`script:${join(root, 'suite')}`)).rejects.toThrow(/is a folder: a task id is needed/);
    await expect(openBackend(`script:${join(root, 'suite')}`, { taskId: 'task-2' })).rejects.toThrow(/has no task-2\.json for task "task-2"/);
    await expect(openBackend(`script:${join(root, 'suite')}`, { taskId: '../a' })).rejects.toThrow(/cannot name a script file/);
  });

  it('names the file and field of a bad script', async () => {
    const bad = await script('bad.json', { family: 'gpt', replies: ['x'] });
    await expect(openBackend(`script:${bad}`)).rejects.toThrow(new RegExp(`script ${bad}: field "family"`));
    const empty = await script('empty.json', { family: 'uitars', replies: [] });
    await expect(openBackend(`script:${empty}`)).rejects.toThrow(/field "replies": must hold at least one reply/);
    const notJson = await script('broken.json', '{"family": ');
    await expect(openBackend(`script:${notJson}`)).rejects.toThrow(/broken\.json is not readable JSON/);
    await expect(openBackend(`script:${join(root, 'missing.json')}`)).rejects.toThrow(/missing\.json does not exist/);
  });

  it('stops waiting for a slow reply when aborted', async () => {
    const file = await script('slow.json', { family: 'pyautogui', replies: ['WAIT'], delayMs: 60_000 });
    const backend = await openBackend(`script:${file}`);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const result = await collectGeneration(backend.generate({ messages: [] }, controller.signal));
    expect(result.finishReason).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('replay backend', () => {
  it('answers with the raw replies a trace recorded, at the recorded model image size', async () => {
    const dir = join(root, 'trace');
    const writer = await TraceWriter.create(dir, { instruction: 'x', model: 'kimi-vl:/m', family: 'kimi', settings: { maxSteps: 5, coordinates: 'relative' } });
    for (const [i, raw] of ['one', 'two'].entries()) {
      const name = await writer.writeScreenshot(i + 1, patternImage(64, 40, i));
      const base = stepRecord(i + 1, name, { raw });
      await writer.writeStep({ ...base, observation: { ...base.observation, modelWidth: 32, modelHeight: 20 } });
    }
    await writer.setStatus('failure');
    await writer.close();
    const backend = await openBackend(`replay:${dir}`);
    expect(backend.info()).toMatchObject({ family: 'kimi', coordinates: 'relative' });
    expect(backend.info().imageSizeFor?.(64, 40)).toEqual({ width: 32, height: 20 });
    expect(backend.info().imageSizeFor?.(128, 80)).toEqual({ width: 64, height: 40 });
    expect(await replies(backend, 2)).toEqual(['one', 'two']);
    await expect(replies(backend, 1)).rejects.toThrow(/trace .* has 2 replies/);
    await expect(openBackend(`replay:${root}`)).rejects.toThrow(/replay trace: .*run\.json: is missing/);
  });
});

describe('model backends under models/', () => {
  it('opens the openai backend for openai: specs, with the family its model name implies', async () => {
    const backend = await openBackend('openai:http://127.0.0.1:9/v1#moonshotai/Kimi-VL-A3B-Instruct');
    expect(backend.info()).toMatchObject({ family: 'kimi', coordinates: 'relative' });
    await backend.dispose();
  });

  it('explains a kimi-vl spec whose package folder does not exist', async () => {
    await expect(openBackend(`kimi-vl:${join(root, 'no-such-package')}`)).rejects.toThrow(
      /no-such-package is not a folder; make a model package with deskpilot model convert/,
    );
  });
});
