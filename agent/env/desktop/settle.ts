import { setTimeout as sleep } from 'node:timers/promises';
import type { RgbImage } from '../../../models/image.ts';
import type { SettleOptions, SettleResult } from '../types.ts';

const CELL = 8;

/**
 * A coarse fingerprint of a frame: the mean of each 8x8 cell (all channels summed). Comparing these
 * instead of raw pixels costs one pass over the frame and ignores nothing a user would see: a single
 * changed glyph moves its cell's mean by several levels.
 */
export function frameSignature(image: RgbImage): Float32Array {
  const cols = Math.ceil(image.width / CELL);
  const rows = Math.ceil(image.height / CELL);
  const sums = new Float32Array(cols * rows);
  const counts = new Uint16Array(cols * rows);
  const { width, height, data } = image;
  for (let y = 0; y < height; y++) {
    const rowBase = ((y / CELL) | 0) * cols;
    let i = y * width * 3;
    for (let x = 0; x < width; x++, i += 3) {
      const cell = rowBase + ((x / CELL) | 0);
      sums[cell] += data[i] + data[i + 1] + data[i + 2];
      counts[cell]++;
    }
  }
  for (let c = 0; c < sums.length; c++) sums[c] /= counts[c];
  return sums;
}

/**
 * True when more than `ignoreCells` cells' means moved by more than `tolerance` (sum of three
 * channels, 0..765).
 */
export function signaturesDiffer(a: Float32Array, b: Float32Array, tolerance = 1.5, ignoreCells = 0): boolean {
  if (a.length !== b.length) return true;
  let moved = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tolerance && ++moved > ignoreCells) return true;
  return false;
}

/**
 * Polls frames until the screen has not changed for quietMs (settled) or maxMs passed. Frames are
 * taken back to back, so the resolution of waitedMs is one capture. Until the screen first differs
 * from `before`, "quiet" needs reactionMs: a busy app can take longer than quietMs to repaint at
 * all, and calling that settled would hand the model a stale screenshot.
 */
export async function waitForSettle(
  before: RgbImage,
  grab: () => Promise<RgbImage>,
  options: SettleOptions & { reactionMs?: number } = {},
  signal?: AbortSignal,
): Promise<SettleResult> {
  const quietMs = options.quietMs ?? 300;
  const reactionMs = Math.max(quietMs, options.reactionMs ?? 1000);
  const maxMs = options.maxMs ?? 5000;
  const ignore = options.ignoreCells ?? 0;
  const started = performance.now();
  const reference = frameSignature(before);
  let previous = reference;
  let lastChange = started;
  let changed = false;
  for (;;) {
    if (signal?.aborted) return { settled: false, changed, waitedMs: performance.now() - started };
    const frame = frameSignature(await grab());
    const now = performance.now();
    if (signaturesDiffer(frame, previous, undefined, ignore)) lastChange = now;
    if (!changed && signaturesDiffer(frame, reference, undefined, ignore)) changed = true;
    previous = frame;
    if (now - lastChange >= (changed ? quietMs : reactionMs)) return { settled: true, changed, waitedMs: now - started };
    if (now - started >= maxMs) return { settled: false, changed, waitedMs: now - started };
    // Yield so a capture that returns instantly (a tiny screen) does not spin.
    await sleep(5);
  }
}
