import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface VirtualDisplayOptions {
  /** Screen size of each Xvfb screen, e.g. "1280x800". */
  size?: string;
  /** Extra monitors side by side (Xinerama); each entry a size like "1024x768". */
  extraScreens?: string[];
  /** Start openbox so windows get focus and decorations like on a real desktop. */
  windowManager?: boolean;
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

/** Starts Xvfb (and openbox) on a free display number; retries when another process races for it. */
export async function startVirtualDisplay(options: VirtualDisplayOptions = {}): Promise<VirtualDisplay> {
  const size = options.size ?? '1280x800';
  const screens = [size, ...(options.extraScreens ?? [])];
  for (let attempt = 0; attempt < 20; attempt++) {
    const n = 100 + Math.floor(Math.random() * 800);
    if (!isFree(n)) continue;
    const args = [`:${n}`, '-nolisten', 'tcp', '-noreset'];
    screens.forEach((s, i) => args.push('-screen', String(i), `${s}x24`));
    if (screens.length > 1) args.push('+xinerama');
    const xvfb = spawn('Xvfb', args, { stdio: 'ignore', detached: false });
    try {
      await waitForSocket(n, xvfb, 10_000);
    } catch {
      xvfb.kill('SIGKILL');
      continue;
    }
    const display = `:${n}`;
    const env = { ...process.env, DISPLAY: display };
    let wm: ChildProcess | undefined;
    if (options.windowManager ?? true) {
      wm = spawn('openbox', ['--sm-disable'], { stdio: 'ignore', env });
      await sleep(300);
    }
    return {
      display,
      env,
      async dispose() {
        wm?.kill('SIGTERM');
        xvfb.kill('SIGTERM');
        await sleep(50);
        if (xvfb.exitCode === null) xvfb.kill('SIGKILL');
      },
    };
  }
  throw new Error('no free X display number found (tried 20)');
}
