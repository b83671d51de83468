import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface VirtualDisplayOptions {
  /** Screen size of the first Xvfb screen, e.g. "1280x800". */
  size?: string;
  /**
   * More monitors, each a size like "1024x768". Each becomes its own X screen (":N.1", ":N.2", ...),
   * which DesktopEnvironment lays out to the right of the previous one. Not Xinerama: Xvfb 21 puts
   * every Xinerama head at 0,0 (overlapping), and its RandR cannot define extra monitors.
   */
  extraScreens?: string[];
  /** Start openbox so windows get focus and decorations like on a real desktop. */
  windowManager?: boolean;
  /** An .Xauthority file: the server admits only clients that show one of its cookies (Xvfb -auth). */
  authFile?: string;
}

export interface VirtualDisplay {
  /** e.g. ":42" */
  display: string;
  env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

function isFree(n: number): boolean {
  return !existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`);
}

async function waitForSocket(n: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Xvfb :${n} exited with code ${child.exitCode}`);
    if (existsSync(`/tmp/.X11-unix/X${n}`)) return;
    await sleep(50);
  }
  throw new Error(`Xvfb :${n} did not start within ${timeoutMs} ms`);
}

/** Waits until a window manager has announced itself on the root window (EWMH), or timeoutMs. */
async function waitForWindowManager(env: NodeJS.ProcessEnv, wm: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && wm.exitCode === null) {
    const announced = await new Promise<boolean>((resolve) =>
      execFile('xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], { env, timeout: 2000 }, (error, stdout) =>
        resolve(!error && /window id/.test(stdout)),
      ),
    );
    if (announced) return;
    await sleep(50);
  }
}

const SIZE = /^\d+x\d+$/;

/**
 * Spawns a process that the kernel kills when this one dies, however it dies (setpriv's parent-death
 * signal; Linux). A crashed or SIGKILLed agent then leaves no X server behind, and the apps on it
 * lose their display and exit too. Without setpriv it is a plain spawn.
 */
function spawnTied(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  hasSetpriv ??= process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasSetpriv) return spawn(command, args, { stdio: 'ignore', ...options });
  return spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], { stdio: 'ignore', ...options });
}

/** Whether setpriv is here; looked up on the first spawn, not when this module loads. */
let hasSetpriv: boolean | undefined;

/** Starts Xvfb (and openbox) on a free display number; retries when another process races for it. */
export async function startVirtualDisplay(options: VirtualDisplayOptions = {}): Promise<VirtualDisplay> {
  const size = options.size ?? '1280x800';
  const screens = [size, ...(options.extraScreens ?? [])];
  for (const s of screens) {
    if (!SIZE.test(s)) throw new Error(`startVirtualDisplay: screen size ${JSON.stringify(s)} must look like "1280x800"`);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const n = 100 + Math.floor(Math.random() * 800);
    if (!isFree(n)) continue;
    const args = [`:${n}`, '-nolisten', 'tcp', '-noreset'];
    screens.forEach((s, i) => args.push('-screen', String(i), `${s}x24`));
    if (options.authFile !== undefined) args.push('-auth', options.authFile);
    const xvfb = spawnTied('Xvfb', args);
    try {
      await waitForSocket(n, xvfb, 10_000);
    } catch {
      xvfb.kill('SIGKILL');
      continue;
    }
    const display = `:${n}`;
    const env = { ...process.env, DISPLAY: display, ...(options.authFile !== undefined ? { XAUTHORITY: options.authFile } : {}) };
    let wm: ChildProcess | undefined;
    if (options.windowManager ?? true) {
      wm = spawnTied('openbox', ['--sm-disable'], { env });
      await waitForWindowManager(env, wm, 5000);
    }
    return {
      display,
      env,
      async dispose() {
        const stopped = (p: ChildProcess) =>
          p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r()));
        if (wm) {
          wm.kill('SIGTERM');
          await Promise.race([stopped(wm), sleep(1000)]);
        }
        xvfb.kill('SIGTERM');
        await Promise.race([stopped(xvfb), sleep(2000)]);
        if (xvfb.exitCode === null && xvfb.signalCode === null) xvfb.kill('SIGKILL');
      },
    };
  }
  throw new Error('no free X display number found (tried 20)');
}
