import type { RgbImage } from '../../models/image.ts';
import type { ScreenAction } from '../protocol/actions.ts';

export interface DisplayInfo {
  /** Stable within a session, e.g. "0". */
  id: string;
  name?: string;
  /** Origin and size in logical pixels of the virtual desktop. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Device pixels per logical pixel (2 on a Retina / 200% display). */
  scaleFactor: number;
  primary: boolean;
}

export interface Observation {
  display: DisplayInfo;
  /** The captured pixels (device pixels: width = display.width * scaleFactor when captured natively). */
  image: RgbImage;
  /** Epoch milliseconds at capture. */
  capturedAt: number;
  /** Pointer position in virtual-desktop logical pixels at capture, when known. */
  pointer?: { x: number; y: number };
}

export interface ExecutionResult {
  ok: boolean;
  error?: string;
  durationMs: number;
}

export interface SettleOptions {
  /** The screen counts as settled once it has not changed for this long. */
  quietMs?: number;
  /** Give up waiting after this long. */
  maxMs?: number;
  /** Changes confined to at most this many 8x8 cells (a blinking caret) do not count. Default 0. */
  ignoreCells?: number;
}

export interface SettleResult {
  settled: boolean;
  waitedMs: number;
  /** Whether any frame differed from the one before the action. */
  changed: boolean;
}

/** Where actions run: a desktop (nut-js on an X display) or a browser page. */
export interface Environment {
  displays(): Promise<DisplayInfo[]>;
  observe(displayId?: string): Promise<Observation>;
  execute(action: ScreenAction, signal?: AbortSignal): Promise<ExecutionResult>;
  /** Waits until the screen stops changing relative to `before`. */
  settle(before: Observation, options?: SettleOptions, signal?: AbortSignal): Promise<SettleResult>;
  dispose(): Promise<void>;
}
