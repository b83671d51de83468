import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The system clipboard, as the desktop environment needs it for pasting text: remember what was
 * there, offer our text, learn when the focused app has read it, put the old content back.
 */
export interface ClipboardBackend {
  /** The key names that paste in most apps on this platform. */
  readonly pasteKeys: string[];
  snapshot(): Promise<ClipboardSnapshot>;
  offer(text: string): Promise<ClipboardOffer>;
}

export interface ClipboardSnapshot {
  /** Puts the saved content back. `offer` is ours, still owning the clipboard, if any. */
  restore(offer?: ClipboardOffer): Promise<void>;
}

export interface ClipboardOffer {
  /** Call right before pressing the paste keys. */
  beforePaste(): void;
  /**
   * Resolves true once an app has read the text (false if none did within timeoutMs). Backends that
   * cannot observe reads wait a short moment and resolve true.
   */
  waitForRead(timeoutMs: number): Promise<boolean>;
  /** Stops offering the text. */
  release(): void;
}

function run(cmd: string, args: string[], input?: string | Uint8Array, encoding: 'utf8' | 'buffer' = 'utf8'): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding, timeout: 5000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

const TEXT_TARGETS = ['UTF8_STRING', 'text/plain;charset=utf-8', 'STRING', 'TEXT', 'text/plain'];

/**
 * X11 through xclip. A foreground `xclip -verbose` owns the selection and prints one line per
 * request it serves, which is how we know the paste happened (apps ask for TARGETS, then the text).
 */
export class XclipClipboard implements ClipboardBackend {
  readonly pasteKeys = ['ctrl', 'v'];

  constructor(private readonly display: string) {}

  private xclip(args: string[]): string[] {
    return [...(this.display ? ['-display', this.display] : []), '-selection', 'clipboard', ...args];
  }

  async snapshot(): Promise<ClipboardSnapshot> {
    let targets: string[];
    try {
      targets = String(await run('xclip', this.xclip(['-o', '-t', 'TARGETS']))).split('\n').map((t) => t.trim());
    } catch {
      targets = []; // nobody owns the clipboard
    }
    const textTarget = TEXT_TARGETS.find((t) => targets.includes(t));
    const binaryTarget = textTarget ? undefined : targets.find((t) => t.startsWith('image/'));
    const target = textTarget ?? binaryTarget;
    let data: Buffer | undefined;
    if (target) {
      try {
        data = (await run('xclip', this.xclip(['-o', '-t', target]), undefined, 'buffer')) as Buffer;
      } catch {
        data = undefined;
      }
    }
    return {
      restore: async (offer) => {
        if (!target || data === undefined) {
          // It was empty (or held only formats we cannot copy): ending our ownership empties it.
          offer?.release();
          return;
        }
        // A background xclip takes the selection over (ours then exits) and keeps serving it.
        await putInBackground(this.xclip(['-i', '-t', target]), data);
        offer?.release();
      },
    };
  }

  async offer(text: string): Promise<ClipboardOffer> {
    const child = spawn('xclip', this.xclip(['-i', '-verbose', '-t', 'UTF8_STRING']), { stdio: ['pipe', 'ignore', 'pipe'] });
    let served = 0;
    let lastServedAt = 0;
    let ready!: () => void;
    const owning = new Promise<void>((resolve) => (ready = resolve));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      for (const m of chunk.matchAll(/Waiting for selection request number (\d+)/g)) {
        served = Number(m[1]) - 1;
        lastServedAt = Date.now();
        ready();
      }
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.on('error', () => ready());
    child.stdin.end(text);
    await Promise.race([owning, exited, sleep(5000)]);
    if (child.exitCode !== null || child.pid === undefined) {
      throw new Error(`xclip could not take the clipboard on display ${this.display}; is xclip installed (apt install xclip)?`);
    }
    const quietFor = () => Date.now() - lastServedAt;
    // Clipboard watchers may fetch a new owner's content right away; let that pass before counting.
    await sleep(50);
    const settleUntil = Date.now() + 300;
    while (served > 0 && quietFor() < 100 && Date.now() < settleUntil) await sleep(10);
    let baseline = served;
    return {
      beforePaste: () => {
        baseline = served;
      },
      waitForRead: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        // Toolkits ask for TARGETS and then the text; a few ask for the text at once. Taking the
        // clipboard back between those two requests loses the paste (and can stall the app waiting
        // for an answer), so a lone request only counts after a long quiet moment.
        while (Date.now() < deadline) {
          const reads = served - baseline;
          if ((reads >= 2 && quietFor() >= 100) || (reads === 1 && quietFor() >= 1000)) return true;
          await sleep(10);
        }
        return served > baseline;
      },
      release: () => killQuietly(child),
    };
  }
}

/**
 * Runs `xclip -i`, which forks a child that keeps serving the selection. Its output is not piped:
 * that child would hold the pipe open, and waiting for the pipe would wait for the next copy.
 */
function putInBackground(args: string[], data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('xclip', args, { stdio: ['pipe', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`xclip ${args.join(' ')} failed with code ${code}`));
    });
    child.stdin.end(data);
  });
}

function killQuietly(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

/** macOS and Windows: their clipboard tools cannot tell when an app reads, so wait a moment. */
class CommandClipboard implements ClipboardBackend {
  constructor(
    readonly pasteKeys: string[],
    private readonly read: () => Promise<string>,
    private readonly write: (text: string) => Promise<void>,
  ) {}

  async snapshot(): Promise<ClipboardSnapshot> {
    let saved: string | undefined;
    try {
      saved = await this.read();
    } catch {
      saved = undefined;
    }
    return { restore: async () => this.write(saved ?? '') };
  }

  async offer(text: string): Promise<ClipboardOffer> {
    await this.write(text);
    return { beforePaste: () => undefined, waitForRead: async () => (await sleep(150), true), release: () => undefined };
  }
}

export function platformClipboard(display: string, platform: NodeJS.Platform = process.platform): ClipboardBackend {
  if (platform === 'darwin') {
    return new CommandClipboard(['super', 'v'], async () => String(await run('pbpaste', [])), async (t) => void (await run('pbcopy', [], t)));
  }
  if (platform === 'win32') {
    return new CommandClipboard(
      ['ctrl', 'v'],
      async () => String(await run('powershell', ['-NoProfile', '-Command', 'Get-Clipboard -Raw'])),
      async (t) => void (await run('powershell', ['-NoProfile', '-Command', 'Set-Clipboard -Value ([Console]::In.ReadToEnd())'], t)),
    );
  }
  return new XclipClipboard(display);
}
