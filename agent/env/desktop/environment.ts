import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { MouseButton, Point, ScreenAction } from '../../protocol/actions.ts';
import type { DisplayInfo, Environment, ExecutionResult, Observation, SettleOptions, SettleResult } from '../types.ts';
import { platformClipboard, type ClipboardBackend } from './clipboard.ts';
import { DriverClient, DriverUnreachable } from './driver-client.ts';
import type { DriverRequest } from './driver-protocol.ts';
import type { GrabMethod } from './grabbers.ts';
import { executeOnSink, isAbort, type ExecuteOptions } from './execute.ts';
import type { InputSink } from './input-sink.ts';
import { describeDisplays, displayAt, layoutScreens, type LayoutDisplay, type ScreenGeometry } from './screen-layout.ts';
import { waitForSettle } from './settle.ts';

export interface DesktopEnvironmentOptions extends ExecuteOptions {
  /**
   * The X display, e.g. ":42" (all its screens) or ":42.1" (one screen). Defaults to $DISPLAY.
   * Ignored on macOS and Windows, which have one desktop.
   */
  display?: string;
  clipboard?: ClipboardBackend;
  /** How long to wait for the focused app to read pasted text before calling the paste failed. */
  pasteTimeoutMs?: number;
  /** The screen grabber to try first (the other is the fallback). Default nut-js: the faster one. */
  grabMethod?: GrabMethod;
  /** settle(): how long an unchanged screen must stay unchanged (default 1000 ms, at least quietMs). */
  reactionMs?: number;
}

/** Screens of an X display, from xdpyinfo; one when the display names a screen or xdpyinfo is absent. */
async function screenNames(display: string): Promise<string[]> {
  if (process.platform !== 'linux' || /\.\d+$/.test(display)) return [display];
  const text = await new Promise<string>((resolve) =>
    execFile('xdpyinfo', display ? ['-display', display] : [], { timeout: 5000 }, (error, stdout) => resolve(error ? '' : stdout)),
  );
  const count = Number(/number of screens:\s+(\d+)/.exec(text)?.[1] ?? '1');
  return count > 1 ? Array.from({ length: count }, (_, i) => `${display}.${i}`) : [display];
}

/** False when a local X display's socket is gone (its server ended); true when it cannot tell. */
function localXServerPresent(display: string): boolean {
  const local = /^:(\d+)(\.\d+)?$/.exec(display);
  return process.platform !== 'linux' || !local || existsSync(`/tmp/.X11-unix/X${local[1]}`);
}

interface Ready {
  /** X display name of each screen's driver, to restart one that died. */
  names: string[];
  drivers: DriverClient[];
  restarts: number[];
  screens: ScreenGeometry[];
  displays: LayoutDisplay[];
}

/**
 * A real desktop driven with nut-js: each X screen gets its own driver process (so several
 * environments, on several displays, live in one agent process, and a display that goes away only
 * ends its driver). Points are virtual-desktop logical pixels; the layout is read once at start.
 * One execute() at a time, like the agent loop does it; observe() and settle() may overlap it.
 */
export class DesktopEnvironment implements Environment {
  readonly display: string;
  private readonly ready: Promise<Ready>;
  private readonly clipboard: ClipboardBackend;
  /** Screen that last received pointer input; keys and pointer-less clicks go there. */
  private currentScreen = 0;
  private disposed = false;

  constructor(private readonly options: DesktopEnvironmentOptions = {}) {
    this.display = options.display ?? process.env.DISPLAY ?? '';
    if (process.platform === 'linux' && !this.display) {
      throw new Error('DesktopEnvironment: no X display given and DISPLAY is not set; pass { display: ":0" }');
    }
    this.clipboard = options.clipboard ?? platformClipboard(this.display);
    this.ready = this.start();
    this.ready.catch(() => undefined); // reported by the first call that awaits it
  }

  private async start(): Promise<Ready> {
    const names = await screenNames(this.display);
    const started = await Promise.allSettled(names.map((name) => DriverClient.start(name)));
    const drivers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      const infos = await Promise.all(drivers.map((d) => d.info()));
      const { screens, displays } = layoutScreens(
        infos.map((info, index) => ({ index, width: info.screenWidth, height: info.screenHeight, monitors: info.monitors })),
      );
      return { names, drivers, restarts: names.map(() => 0), screens, displays };
    } catch (error) {
      await Promise.all(drivers.map((d) => d.dispose()));
      throw error;
    }
  }

  private async use(): Promise<Ready> {
    if (this.disposed) throw new Error(`DesktopEnvironment for ${this.display} was disposed`);
    return this.ready;
  }

  async displays(): Promise<DisplayInfo[]> {
    return (await this.use()).displays.map((d) => ({ ...d.info }));
  }

  async observe(displayId?: string): Promise<Observation> {
    const ready = await this.use();
    const { screens, displays } = ready;
    const display = displayId === undefined ? displays.find((d) => d.info.primary) ?? displays[0] : displays.find((d) => d.info.id === displayId);
    if (!display) {
      throw new Error(`observe: no display with id ${JSON.stringify(displayId)}; displays are ${describeDisplays(displays)}`);
    }
    const capturedAt = Date.now();
    const { x, y, width, height } = display.local;
    const { image, reply } = await this.withDriver(ready, display.screen, (d) => d.capture(x, y, width, height, this.options.grabMethod));
    const screen = screens[display.screen];
    const observation: Observation = { display: { ...display.info }, image, capturedAt };
    // The pointer is reported by the screen's own driver; only trust it on the screen holding it.
    if (reply.pointer && display.screen === this.currentScreen) {
      observation.pointer = { x: reply.pointer.x + screen.x, y: reply.pointer.y + screen.y };
    }
    return observation;
  }

  async execute(action: ScreenAction, signal?: AbortSignal): Promise<ExecutionResult> {
    const started = performance.now();
    try {
      const ready = await this.use();
      await executeOnSink(this.sink(ready), action, this.options, signal);
      return { ok: true, durationMs: performance.now() - started };
    } catch (error) {
      const message = isAbort(error) ? 'aborted before the action finished' : (error as Error).message;
      return { ok: false, error: message, durationMs: performance.now() - started };
    }
  }

  async settle(before: Observation, options?: SettleOptions, signal?: AbortSignal): Promise<SettleResult> {
    await this.use();
    const grab = async () => (await this.observe(before.display.id)).image;
    return waitForSettle(before.image, grab, { reactionMs: this.options.reactionMs, ...options }, signal);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const ready = await this.ready.catch(() => undefined);
    await Promise.all(ready?.drivers.map((d) => d.dispose()) ?? []);
  }

  /** Routes primitive input to the driver of the screen under each point. */
  private sink(ready: Ready): InputSink {
    const { screens, displays } = ready;
    const call = <T = unknown>(request: DriverRequest, screen = this.currentScreen) =>
      this.withDriver(ready, screen, (d) => d.request<T>(request));
    const local = (p: Point) => {
      const x = Math.round(p.x);
      const y = Math.round(p.y);
      if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`point (${p.x}, ${p.y}) is not a number`);
      const target = displayAt(displays, { x, y });
      if (!target) throw new Error(`point (${x}, ${y}) is outside every display (${describeDisplays(displays)})`);
      return { screen: target.screen, x: x - screens[target.screen].x, y: y - screens[target.screen].y };
    };
    return {
      move: async (p) => {
        const to = local(p);
        // Later pointer-less input follows the pointer. Every screen shares the server's one pointer
        // and keyboard, so a press on one screen's driver and a release on another's still pair up.
        this.currentScreen = to.screen;
        await call({ op: 'move', x: to.x, y: to.y }, to.screen);
      },
      button: async (button: MouseButton, state) => void (await call({ op: 'button', button, state })),
      click: async (button: MouseButton, count) => void (await call({ op: 'click', button, count })),
      scroll: async (dx, dy) => void (await call({ op: 'scroll', dx, dy })),
      keys: async (keys, state) => void (await call({ op: 'keys', keys, state })),
      typeAscii: async (text) => void (await call({ op: 'typeAscii', text })),
      paste: async (text) => this.paste(call, text),
      pointer: async () => {
        const p = await call<Point>({ op: 'pointer' });
        return { x: p.x + screens[this.currentScreen].x, y: p.y + screens[this.currentScreen].y };
      },
    };
  }

  /**
   * The driver of a screen, restarted (up to 3 times) if it died while its X server lives on (an X
   * error can end it); when the server is gone the restart fails and the original exit is reported.
   */
  private async live(ready: Ready, screen: number): Promise<DriverClient> {
    const current = ready.drivers[screen];
    if (current.alive || ready.restarts[screen] >= 3 || !localXServerPresent(ready.names[screen])) return current;
    ready.restarts[screen]++;
    try {
      ready.drivers[screen] = await DriverClient.start(ready.names[screen], 10_000);
      return ready.drivers[screen];
    } catch {
      return current; // its requests fail with the exit message
    }
  }

  /** Runs fn on a screen's driver; a request that never reached a just-died driver is sent again. */
  private async withDriver<T>(ready: Ready, screen: number, fn: (driver: DriverClient) => Promise<T>): Promise<T> {
    const driver = await this.live(ready, screen);
    try {
      return await fn(driver);
    } catch (error) {
      if (!(error instanceof DriverUnreachable)) throw error;
      await driver.exited;
      return fn(await this.live(ready, screen));
    }
  }

  private async paste(call: (request: DriverRequest) => Promise<unknown>, text: string): Promise<void> {
    const saved = await this.clipboard.snapshot();
    const offer = await this.clipboard.offer(text);
    try {
      offer.beforePaste();
      await call({ op: 'keys', keys: this.clipboard.pasteKeys, state: 'down' });
      await call({ op: 'keys', keys: this.clipboard.pasteKeys, state: 'up' });
      if (!(await offer.waitForRead(this.options.pasteTimeoutMs ?? 2000))) {
        throw new Error(
          // The text itself stays out of the message: it may be a password.
          `the focused window did not read the clipboard after ${this.clipboard.pasteKeys.join('+')}, so ${[...text].length} ` +
            'characters were not typed (click the text field first; terminals paste with ctrl+shift+v)',
        );
      }
    } finally {
      await saved.restore(offer);
    }
  }
}
