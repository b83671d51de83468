/**
 * Typing into a terminal: every printable ASCII character, shifted ones included, arrives in xterm
 * exactly (xterm reads key events with their modifier state, unlike a paste).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopEnvironment } from '../../agent/env/desktop/environment.ts';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';

let vd: VirtualDisplay;
let env: DesktopEnvironment;
let xterm: ChildProcess;
const dir = mkdtempSync(join(tmpdir(), 'deskpilot-terminal-'));
const out = join(dir, 'typed.txt');

beforeAll(async () => {
  vd = await startVirtualDisplay({ size: '800x600' });
  // The terminal copies what is typed into a file until ctrl+d.
  xterm = spawn('xterm', ['-geometry', '80x20+0+0', '-e', 'sh', '-c', `cat > '${out}'`], { env: vd.env, stdio: 'ignore' });
  env = new DesktopEnvironment({ display: vd.display });
  const deadline = Date.now() + 30_000;
  while (!existsSync(out) && Date.now() < deadline) await sleep(100);
  await sleep(500);
});
afterAll(async () => {
  xterm?.kill();
  await env?.dispose();
  await vd?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('typing into xterm', () => {
  it('every printable ASCII character arrives as typed', async () => {
    const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    expect(await env.execute({ kind: 'click', at: { x: 200, y: 100 }, button: 'left', clicks: 1 })).toMatchObject({ ok: true });
    expect(await env.execute({ kind: 'type', text: `${ascii}\n` })).toMatchObject({ ok: true });
    expect(await env.execute({ kind: 'hotkey', keys: ['ctrl', 'd'] })).toMatchObject({ ok: true });
    const deadline = Date.now() + 10_000;
    while (readFileSync(out, 'utf8') !== `${ascii}\n` && Date.now() < deadline) await sleep(100);
    expect(readFileSync(out, 'utf8')).toBe(`${ascii}\n`);
  });
});
