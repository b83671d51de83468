import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryPoint } from '../../../models/entry-point.ts';
import type { RgbImage } from '../../../models/image.ts';
import type { GrabMethod } from './grabbers.ts';
import type { CaptureReply, DriverInfo, DriverMessage, DriverReply, DriverRequest } from './driver-protocol.ts';

let captureCounter = 0;

/** A request that never reached its driver (the process had just died): safe to send again. */
export class DriverUnreachable extends Error {}

/**
 * One driver process bound to one X screen (or to the only desktop on macOS/Windows). Requests are
 * answered in order; a driver that dies fails every pending and later request with a message naming
 * the display, instead of hanging.
 */
export class DriverClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exitError: Error | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Frames go to `<prefix>-<n>.rgb`, one file per capture, so overlapping captures never share one. */
  private readonly capturePrefix: string;
  private captures = 0;

  private constructor(
    readonly display: string,
    private readonly child: ChildProcess,
  ) {
    // Shared memory when the OS has it: the frame never touches a disk.
    const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    this.capturePrefix = join(dir, `deskpilot-capture-${process.pid}-${++captureCounter}`);
    child.on('message', (reply: DriverReply) => this.settle(reply));
    child.on('error', () => undefined); // reported through exit / failed sends
    let markExited!: () => void;
    this.exited = new Promise((resolve) => (markExited = resolve));
    child.on('exit', (code, signal) => {
      markExited();
      this.exitError = new Error(
        `the desktop driver for display ${display || '(default)'} exited (${signal ?? `code ${code}`}); ` +
          'is the X server still running and is DISPLAY right?',
      );
      for (const waiter of this.pending.values()) waiter.reject(this.exitError);
      this.pending.clear();
    });
  }

  /**
   * Starts a driver for `display` (an X display such as ":42" or ":42.1"; '' = inherit DISPLAY).
   * Starting takes about a second on an idle machine (node + tsx + nut-js; less from the build, which
   * needs no tsx); the generous timeout is for busy CI machines.
   */
  static async start(display: string, timeoutMs = 60_000): Promise<DriverClient> {
    const env = { ...process.env };
    if (display) env.DISPLAY = display;
    const driver = entryPoint('driver', new URL('./driver.ts', import.meta.url));
    const child = fork(driver.file, [], {
      env,
      execArgv: driver.execArgv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const client = new DriverClient(display, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`desktop driver for ${display} did not start within ${timeoutMs} ms`)), timeoutMs);
      client.pending.set(0, {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(new Error(`${e.message}\n${stderr.trim()}`))),
      });
    });
    return client;
  }

  /** False once the process has exited (its X server went away, or an X error ended it). */
  get alive(): boolean {
    return this.exitError === undefined && this.child.connected;
  }

  request<T>(request: DriverRequest): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const message: DriverMessage = { id, request };
      // A driver that just died fails the write (EPIPE) before its exit event arrives.
      const failed = (error: Error | null) => {
        if (!error || !this.pending.has(id)) return;
        this.pending.delete(id);
        reject(new DriverUnreachable(`the desktop driver for display ${this.display} is gone (${error.message})`));
      };
      if (!this.child.connected) failed(new Error('IPC channel closed'));
      else this.child.send(message, failed);
    });
  }

  info(): Promise<DriverInfo> {
    return this.request<DriverInfo>({ op: 'info' });
  }

  /** Grabs a rectangle of this screen (screen-local pixels) as RGB. */
  async capture(x: number, y: number, width: number, height: number, method?: GrabMethod): Promise<{ image: RgbImage; reply: CaptureReply }> {
    const file = `${this.capturePrefix}-${++this.captures}.rgb`;
    try {
      const reply = await this.request<CaptureReply>({ op: 'capture', x, y, width, height, file, method });
      const bytes = readFileSync(file);
      if (bytes.length !== reply.width * reply.height * 3) {
        throw new Error(`capture file ${file} has ${bytes.length} bytes, expected ${reply.width}x${reply.height}x3`);
      }
      return { image: { width: reply.width, height: reply.height, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) }, reply };
    } finally {
      // Gone as soon as it is read, so an agent killed mid-run leaves no 6 MB file in shared memory.
      rmSync(file, { force: true });
    }
  }

  async dispose(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private settle(reply: DriverReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(`desktop driver (${this.display}): ${reply.error}`));
  }
}
