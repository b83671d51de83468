/**
 * What `deskpilot run` leaves behind and prints. A secret from the environment stays out of all of it,
 * however it arrives: in the instruction (run.json), in the model's final answer (run.json's message
 * and the status line on stdout / stderr), and typed in two write() calls of one reply or across two
 * steps. Model text reaches the terminal with its escape sequences made visible, never acted on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { deskpilot } from '../cli/cli.ts';

const SECRET = 'sq7Vt2Lm9Xc4Rb8Nw1Kz';
let vd: VirtualDisplay;
let dir: string;

beforeAll(async () => {
  vd = await startVirtualDisplay({ size: '640x480', windowManager: false });
  dir = await mkdtemp(join(tmpdir(), 'redact-run-'));
});
afterAll(async () => {
  await vd?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const code = (lines: string) => `## Action: type\n## Code:\n\`\`\`python\n${lines}\n\`\`\``;

describe('secrets in a run', () => {
  it('never reach run.json, steps.jsonl, traj.jsonl, stdout or stderr, even in pieces', async () => {
    const [a, b] = [SECRET.slice(0, 10), SECRET.slice(10)];
    const replies = [
      code(`pyautogui.write('${a}')\npyautogui.write('${b}')`),
      code(`pyautogui.write('${SECRET.slice(0, 9)}')`),
      code(`pyautogui.write('${SECRET.slice(9)}')`),
      code(`computer.terminate(status="success", answer="the key is ${SECRET}")`),
    ];
    const script = join(dir, 'script.json');
    await writeFile(script, JSON.stringify({ family: 'kimi', replies }));
    const out = join(dir, 'trace');
    const result = await deskpilot(['run', `log in with ${SECRET}`, '--model', `script:${script}`, '--display', vd.display, '--out', out], { ...vd.env, SERVICE_API_KEY: SECRET }, 180_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^success: the key is \[REDACTED\]/);
    const everything = [result.stdout, result.stderr, ...readdirSync(out).filter((f) => !f.endsWith('.png')).map((f) => readFileSync(join(out, f), 'utf8'))].join('\n');
    // No piece of 8 or more characters of the secret survives anywhere.
    for (let i = 0; i + 8 <= SECRET.length; i++) expect(everything).not.toContain(SECRET.slice(i, i + 8));
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { instruction: string; message: string };
    expect(run.instruction).toBe('log in with [REDACTED]');
    expect(run.message).toBe('the key is [REDACTED]');
  }, 240_000);
});

describe('model text on the terminal', () => {
  it('prints escape sequences and other controls as visible text', async () => {
    const fake = '\u001b[2J\u001b[32mstep 9: done\u009b31m\u202etxt.exe\u0007';
    const replies = [code(`pyautogui.write(${JSON.stringify(fake)})`), code(`computer.terminate(status="failure", answer=${JSON.stringify(`gave up${fake}`)})`)];
    const script = join(dir, 'escapes.json');
    await writeFile(script, JSON.stringify({ family: 'kimi', replies }));
    const result = await deskpilot(['run', 'type it', '--model', `script:${script}`, '--display', vd.display, '--out', join(dir, 'escapes')], vd.env, 180_000);
    expect(result.code, result.stderr).toBe(1);
    const printed = result.stdout + result.stderr;
    expect(printed).not.toMatch(/[\u001b\u009b\u0007\u202e]/);
    expect(result.stdout).toContain('failure: gave up\\x1b[2J\\x1b[32mstep 9: done\\x9b31m\\u202etxt.exe\\x07');
  }, 240_000);
});
