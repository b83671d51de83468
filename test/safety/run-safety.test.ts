/**
 * Safety end to end: `deskpilot run` as a user runs it, on Xvfb, against a real Chromium form.
 * - a destructive command is stopped before a single character arrives (no TTY, no --yes), the rule is in the trace;
 * - with --yes it proceeds;
 * - the emergency-stop chord ends a run within 500 ms;
 * - input from the user pauses the run, which does nothing until resumed.
 * xdotool stands for the user: it injects input outside the agent's action spans.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { openFormWindow, type FormWindow } from '../support/chromium-page.ts';
import { deskpilot } from '../cli/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/deskpilot.js', import.meta.url));
let vd: VirtualDisplay;
let form: FormWindow;
let dir: string;

beforeAll(async () => {
  vd = await startVirtualDisplay({ size: '1024x768' });
  form = await openFormWindow(vd.env);
  dir = mkdtempSync(join(tmpdir(), 'run-safety-'));
}, 120_000);
afterAll(async () => {
  await form?.close();
  await vd?.dispose();
});
beforeEach(async () => form.reset());

function script(name: string, replies: string[]): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ family: 'pyautogui', replies }));
  return file;
}

const code = (line: string) => '```python\n' + line + '\n```';

function steps(out: string): { actions: { safety?: { decision: string; rule?: string; approved?: boolean }; execution?: unknown }[]; feedback?: string }[] {
  return readFileSync(join(out, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

describe('safety rules in deskpilot run', () => {
  const replies = () => [code(`pyautogui.click(${form.input.x}, ${form.input.y})`), code("pyautogui.write('rm -rf ~/Documents')"), 'DONE'];

  it('without a terminal and without --yes, a destructive command never reaches the app', async () => {
    const out = join(dir, 'denied');
    const result = await deskpilot(['run', 'clean up', '--model', `script:${script('denied', replies())}`, '--display', vd.display, '--out', out], vd.env, 180_000);
    expect(result.code).toBe(0);
    expect((await form.state()).name).toBe('');
    const typed = steps(out)[1];
    expect(typed.actions[0].safety).toMatchObject({ decision: 'confirm', rule: 'text/destructive-shell', approved: false });
    expect(typed.actions[0].execution).toBeUndefined();
    expect(steps(out)[2].feedback ?? typed.feedback ?? '').toMatch(/text\/destructive-shell|destructive/);
  }, 240_000);

  it('with --yes the same command is typed', async () => {
    const out = join(dir, 'approved');
    const result = await deskpilot(['run', 'clean up', '--yes', '--model', `script:${script('approved', replies())}`, '--display', vd.display, '--out', out], vd.env, 180_000);
    expect(result.code).toBe(0);
    expect((await form.state()).name).toBe('rm -rf ~/Documents');
    expect(steps(out)[1].actions[0].safety).toMatchObject({ decision: 'confirm', rule: 'text/destructive-shell', approved: true });
  }, 240_000);

  it('a chord split over keyDown / press / keyUp across steps is judged like the hotkey: alt+f4 does not close the window', async () => {
    const out = join(dir, 'split-chord');
    const file = script('split', [code("pyautogui.keyDown('alt')"), code("pyautogui.press('f4')"), code("pyautogui.keyUp('alt')"), 'DONE']);
    const result = await deskpilot(['run', 'close it', '--model', `script:${file}`, '--display', vd.display, '--out', out], vd.env, 180_000);
    expect(result.code).toBe(0);
    const recorded = steps(out);
    expect(recorded[0].actions[0].safety).toMatchObject({ decision: 'allow' });
    expect(recorded[1].actions[0].safety).toMatchObject({ decision: 'confirm', rule: 'keys/close-app', approved: false });
    expect(recorded[1].actions[0].execution).toBeUndefined();
    // The window is still there to answer.
    expect((await form.state()).count).toBe('0');
  }, 240_000);

  it('a broken policy file is reported with file, line and rule, and nothing runs', async () => {
    const policy = join(dir, 'bad-policy.yaml');
    writeFileSync(policy, 'rules:\n  - id: mine\n    decision: sometimes\n    when: { text: x }\n');
    const result = await deskpilot(['run', 'x', '--policy', policy, '--model', `script:${script('p', replies())}`, '--display', vd.display], vd.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${policy}:3: rule "mine": decision: expected one of allow, confirm, deny`);
  }, 120_000);
});

describe('stop and takeover', () => {
  function start(args: string[]) {
    const child = spawn(process.execPath, [BIN, 'run', ...args], { env: vd.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    return { child, output, exited };
  }
  async function until(check: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await sleep(5);
    }
  }

  it('the emergency-stop chord ends a run within 500 ms', async () => {
    const file = script('stop', [code(`pyautogui.click(${form.input.x}, ${form.input.y})`), code('time.sleep(30)'), 'DONE']);
    const run = start(['wait a while', '--model', `script:${file}`, '--display', vd.display, '--out', join(dir, 'stop')]);
    await until(() => /step 1:/.test(run.output.stderr), 120_000);
    await sleep(1000); // now inside the 30 s wait of step 2
    const pressed = Date.now();
    execFileSync('xdotool', ['key', 'ctrl+alt+Escape'], { env: vd.env });
    await until(() => /\[stopped/.test(run.output.stderr), 5000);
    const stoppedAfter = Date.now() - pressed;
    console.log(`emergency stop: run stopped ${stoppedAfter} ms after the chord`);
    expect(await run.exited).toBe(1);
    expect(stoppedAfter).toBeLessThan(500);
    expect(JSON.parse(readFileSync(join(dir, 'stop', 'run.json'), 'utf8')).status).toBe('stopped');
  }, 240_000);

  it('user input pauses the run; nothing happens until it is resumed', async () => {
    const add = code(`pyautogui.click(${form.button.x}, ${form.button.y})`);
    const file = script('takeover', [code('time.sleep(2)'), add, add, 'DONE']);
    const run = start(['press add twice', '--model', `script:${file}`, '--display', vd.display, '--out', join(dir, 'takeover')]);
    await until(() => /run \S+: trace/.test(run.output.stderr), 120_000);
    await sleep(500); // step 1 is waiting: the user moves the mouse meanwhile
    execFileSync('xdotool', ['mousemove', '700', '500'], { env: vd.env });
    await until(() => /paused: the user took over/.test(run.output.stderr), 30_000);
    await sleep(3000);
    expect((await form.state()).count).toBe('0');
    run.child.kill('SIGUSR1');
    expect(await run.exited).toBe(0);
    expect((await form.state()).count).toBe('2');
  }, 240_000);
});
