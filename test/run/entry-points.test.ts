/**
 * One run, three entry points: the same scripted run started from the CLI (`deskpilot run`), from the
 * UI protocol (a real `deskpilot serve`, over its WebSocket) and as a bench task (`deskpilot bench`,
 * on the task's own Xvfb display). All three are assembled by openRun(), so their run.json settings
 * agree (apart from what differs on purpose) and so does their safety: a secret from the environment
 * is redacted in the trace, ctrl+alt+delete is denied, and the stop chord stops the run. A UI run also
 * pauses when the user takes over.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { ask, connect, startServe, type ServeProcess } from '../ui/serve-process.ts';

const BIN = fileURLToPath(new URL('../../bin/deskpilot.js', import.meta.url));
const SECRET = 'entry-points-secret-4711';
const code = (line: string) => '```python\n' + line + '\n```';
/** Type the secret, try ctrl+alt+delete, then wait long enough to be stopped. */
const REPLIES = [code(`pyautogui.write('${SECRET}')`), code("pyautogui.hotkey('ctrl', 'alt', 'delete')"), code('time.sleep(60)'), 'DONE'];

/** The CLI's display and the UI's: apart, so the chord pressed to stop one run leaves the other going. */
let vd: VirtualDisplay;
let uiDisplay: VirtualDisplay;
let dir: string;
let env: NodeJS.ProcessEnv;
let serve: ServeProcess;
let socket: WebSocket;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'entry-points-'));
  [vd, uiDisplay] = await Promise.all([startVirtualDisplay({ size: '800x600', windowManager: false }), startVirtualDisplay({ size: '800x600', windowManager: false })]);
  env = { ...vd.env, ENTRY_POINTS_API_KEY: SECRET };
  serve = await startServe(join(dir, 'runs'), { ...env, DISPLAY: uiDisplay.display });
  socket = await connect(serve);
}, 240_000);
afterAll(async () => {
  socket?.close();
  for (const child of children) child.kill('SIGKILL');
  await serve?.stop();
  await vd?.dispose();
  await uiDisplay?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function script(file: string, replies: string[], delayMs = 0): string {
  writeFileSync(file, JSON.stringify({ family: 'pyautogui', replies, delayMs }));
  return file;
}

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('close', (code) => {
    if (code !== 0 && code !== 1) console.log(`deskpilot ${args[0]} exited ${code}:\n${stderr}`);
  });
  children.push(child);
  return child;
}

async function until<T>(what: string, check: () => T | undefined | false, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const runJson = (trace: string) => (existsSync(join(trace, 'run.json')) ? JSON.parse(readFileSync(join(trace, 'run.json'), 'utf8')) : undefined);
const stepsText = (trace: string) => (existsSync(join(trace, 'steps.jsonl')) ? readFileSync(join(trace, 'steps.jsonl'), 'utf8') : '');
const steps = (trace: string) => stepsText(trace).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** Waits until the run sits in step 3's wait, presses the stop chord on its display, and times the stop. */
async function stopWithChord(trace: string): Promise<number> {
  await until('step 2 to be recorded', () => steps(trace).length >= 2);
  await sleep(1000);
  const display = runJson(trace).settings.display as string;
  const pressed = Date.now();
  execFileSync('xdotool', ['key', 'ctrl+alt+Escape'], { env: { ...env, DISPLAY: display } });
  await until(`${trace} to stop`, () => runJson(trace)?.status === 'stopped', 10_000);
  return Date.now() - pressed;
}

describe('the same run from the CLI, the UI and the bench', () => {
  it('records the same settings and behaves the same: redaction, a denied action, the stop chord', async () => {
    const cliTrace = join(dir, 'cli');
    start(['run', 'entry points', '--model', `script:${script(join(dir, 'cli.json'), REPLIES)}`, '--display', vd.display, '--max-steps', '5', '--out', cliTrace]);

    const started = await ask(socket, { type: 'run.start', options: { instruction: 'entry points', model: `script:${script(join(dir, 'ui.json'), REPLIES)}`, maxSteps: 5, display: uiDisplay.display } });
    expect(started.ok, started.error).toBe(true);
    const uiTrace = join(dir, 'runs', (started.result as { runId: string }).runId);

    const suite = join(dir, 'suite', 'entry');
    const scripts = join(dir, 'scripts');
    mkdirSync(suite, { recursive: true });
    mkdirSync(scripts, { recursive: true });
    writeFileSync(join(suite, 'entry-task.json'), JSON.stringify({ id: 'entry-task', instruction: 'entry points', config: [], evaluator: { func: 'infeasible' } }));
    script(join(scripts, 'entry-task.json'), REPLIES);
    const benchOut = join(dir, 'bench');
    const bench = start(['bench', join(dir, 'suite'), '--model', `script:${scripts}`, '--out', benchOut, '--envs', '1', '--max-steps', '5']);
    const benchTrace = join(benchOut, 'entry', 'entry-task');

    const stoppedAfter: number[] = [];
    for (const trace of [cliTrace, uiTrace, benchTrace]) stoppedAfter.push(await stopWithChord(trace));
    console.log(`stop chord: stopped after ${stoppedAfter.join(', ')} ms (CLI, UI, bench)`);
    await new Promise((resolve) => bench.once('close', resolve));

    const traces = { cli: cliTrace, ui: uiTrace, bench: benchTrace };
    const settings = Object.fromEntries(Object.entries(traces).map(([k, t]) => [k, runJson(t).settings]));
    // What differs on purpose: the display (each has its own), who answers a "confirm" (the UI
    // asks its user; nobody answers a CLI run without a terminal, or a bench task), and takeover (a
    // bench display has no user to take over or to resume).
    expect(settings.cli).toMatchObject({ display: vd.display, safety: { confirm: 'deny', takeover: true } });
    expect(settings.ui).toMatchObject({ display: uiDisplay.display, safety: { confirm: 'ask', takeover: true } });
    expect(settings.bench).toMatchObject({ safety: { confirm: 'deny', takeover: false } });
    const same = (s: Record<string, unknown>) => ({ ...s, display: undefined, safety: { ...(s.safety as object), confirm: undefined, takeover: undefined } });
    expect(same(settings.ui)).toEqual(same(settings.cli));
    expect(same(settings.bench)).toEqual(same(settings.cli));
    expect(settings.cli).toMatchObject({ maxSteps: 5, thinking: false, coordinates: 'screen', safety: { policyFiles: [], stopChord: 'ctrl+alt+esc', masks: { regions: 0, windows: 0 } } });

    for (const [entry, trace] of Object.entries(traces)) {
      const recorded = steps(trace);
      expect(stepsText(trace), entry).not.toContain(SECRET);
      expect(recorded[0].actions[0].screen, entry).toEqual({ kind: 'type', text: '[REDACTED]' });
      expect(recorded[0].actions[0].execution?.ok, entry).toBe(true);
      expect(recorded[1].actions[0].safety, entry).toEqual({ decision: 'deny', rule: 'keys/secure-attention' });
      expect(recorded[1].actions[0].execution, entry).toBeUndefined();
      // The chord ended step 3's wait: the step is recorded with its aborted wait, and nothing after it.
      expect(runJson(trace), entry).toMatchObject({ status: 'stopped', steps: 3 });
      expect(recorded[2].actions[0].execution, entry).toMatchObject({ ok: false, error: 'aborted before the action finished' });
    }
    for (const ms of stoppedAfter) expect(ms).toBeLessThan(2000);
  }, 600_000);

  it('a UI run pauses when the user takes over, and goes on when resumed', async () => {
    const replies = [code('time.sleep(2)'), code('pyautogui.click(400, 300)'), 'DONE'];
    const started = await ask(socket, { type: 'run.start', options: { instruction: 'takeover', model: `script:${script(join(dir, 'takeover.json'), replies)}`, maxSteps: 5, display: uiDisplay.display } });
    expect(started.ok, started.error).toBe(true);
    const runId = (started.result as { runId: string }).runId;
    const trace = join(dir, 'runs', runId);
    await until('step 1 to start', () => existsSync(join(trace, 'run.json')));
    await sleep(700); // step 1 is waiting: the user moves the mouse meanwhile
    execFileSync('xdotool', ['mousemove', '700', '500'], { env: uiDisplay.env });
    await until('the run to pause', () => runJson(trace)?.status === 'paused', 30_000);
    await sleep(2000);
    expect(steps(trace).length).toBeLessThanOrEqual(1);
    expect(execFileSync('xdotool', ['getmouselocation'], { env: uiDisplay.env, encoding: 'utf8' })).toMatch(/^x:700 y:500 /);
    expect((await ask(socket, { type: 'run.resume', runId })).ok).toBe(true);
    await until('the run to finish', () => runJson(trace)?.status === 'success', 60_000);
    expect(execFileSync('xdotool', ['getmouselocation'], { env: uiDisplay.env, encoding: 'utf8' })).toMatch(/^x:400 y:300 /);
  }, 240_000);

  it('two UI runs on one display: the chord stops both', async () => {
    const replies = [code('time.sleep(60)'), 'DONE'];
    const traces: string[] = [];
    // The second names no display: it runs on serve's $DISPLAY, and is watched there too.
    for (const [name, display] of [['first', uiDisplay.display], ['second', undefined]] as const) {
      const started = await ask(socket, { type: 'run.start', options: { instruction: name, model: `script:${script(join(dir, `${name}.json`), replies)}`, maxSteps: 5, display } });
      expect(started.ok, started.error).toBe(true);
      traces.push(join(dir, 'runs', (started.result as { runId: string }).runId));
    }
    await until('both runs to start', () => traces.every((t) => runJson(t)?.status === 'running'));
    for (const t of traces) expect(runJson(t).settings).toMatchObject({ display: uiDisplay.display, safety: { stopChord: 'ctrl+alt+esc' } });
    await sleep(1500);
    execFileSync('xdotool', ['key', 'ctrl+alt+Escape'], { env: uiDisplay.env });
    await until('both runs to stop', () => traces.every((t) => runJson(t)?.status === 'stopped'), 10_000);
  }, 240_000);
});
