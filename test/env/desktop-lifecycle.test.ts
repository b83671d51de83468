import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DesktopEnvironment } from '../../agent/env/desktop/environment.ts';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';

const VIRTUAL_DISPLAY = new URL('../../agent/env/desktop/virtual-display.ts', import.meta.url).href;

/** Pids of processes whose command line matches `pattern`. */
function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Driver processes this test process started. */
function childDriverPids(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'driver.ts'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const displays: VirtualDisplay[] = [];
const environments: DesktopEnvironment[] = [];
afterAll(async () => {
  await Promise.all(environments.map((e) => e.dispose()));
  await Promise.all(displays.map((d) => d.dispose()));
});

describe('DesktopEnvironment lifecycle', () => {
  it('drives two displays from one process, and survives one of them going away', async () => {
    const [a, b] = await Promise.all([
      startVirtualDisplay({ size: '640x480', windowManager: false }),
      startVirtualDisplay({ size: '800x600', windowManager: false }),
    ]);
    displays.push(a, b);
    const envA = new DesktopEnvironment({ display: a.display });
    const envB = new DesktopEnvironment({ display: b.display });
    environments.push(envA, envB);
    expect(await envA.execute({ kind: 'move', to: { x: 10, y: 20 } })).toMatchObject({ ok: true });
    expect(await envB.execute({ kind: 'move', to: { x: 700, y: 500 } })).toMatchObject({ ok: true });
    // Each pointer stayed on its own display.
    expect((await envA.observe()).pointer).toEqual({ x: 10, y: 20 });
    expect((await envB.observe()).pointer).toEqual({ x: 700, y: 500 });
    expect((await envB.observe()).image.width).toBe(800);

    // B's driver process dies while its X server lives on: the next action restarts it.
    const driverOfB = childDriverPids().find((pid) => readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`DISPLAY=${b.display}`));
    expect(driverOfB).toBeDefined();
    process.kill(driverOfB!, 'SIGKILL');
    // Gone from /proc only once this process has reaped it (a zombie keeps its entry), which is when
    // the environment learns of the exit.
    await expect.poll(() => existsSync(`/proc/${driverOfB}`)).toBe(false);
    const moved = await envB.execute({ kind: 'move', to: { x: 650, y: 450 } });
    expect(moved, JSON.stringify(moved)).toMatchObject({ ok: true });
    expect((await envB.observe()).pointer).toEqual({ x: 650, y: 450 });

    // The X server of A ends while A is in use: A reports it, this process and B carry on.
    await a.dispose();
    const result = await envA.execute({ kind: 'click', button: 'left', clicks: 1 });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`driver for display ${a.display} exited`)) });
    await expect(envA.observe()).rejects.toThrow(/is the X server still running/);
    expect((await envB.observe()).pointer).toEqual({ x: 650, y: 450 });
  });

  it('a process killed with SIGKILL takes its virtual display with it', async () => {
    const owner = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `import('${VIRTUAL_DISPLAY}').then(async (m) => { const vd = await m.startVirtualDisplay(); console.log(vd.display); setInterval(() => {}, 1000); })`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const display = await new Promise<string>((resolve, reject) => {
      owner.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      owner.once('exit', (code) => reject(new Error(`the display owner exited (${code})`)));
    });
    const servers = () => pgrep(`^Xvfb ${display} `);
    expect(servers()).toHaveLength(1);
    owner.kill('SIGKILL');
    await expect.poll(servers, { timeout: 10_000 }).toHaveLength(0);
  });

  it('refuses a missing display with a message that says what to do', () => {
    const saved = process.env.DISPLAY;
    delete process.env.DISPLAY;
    try {
      expect(() => new DesktopEnvironment()).toThrow(/DISPLAY is not set; pass \{ display: ":0" \}/);
    } finally {
      if (saved !== undefined) process.env.DISPLAY = saved;
    }
  });
});
