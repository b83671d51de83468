/**
 * Screen grabbers the driver can use, fastest first. Measured by test/bench/capture.bench.ts; both
 * are checked for exact pixels in test/env. nut-js (libnut: XGetImage on X11) is the default;
 * node-screenshots (xcap) is the fallback when libnut cannot grab (e.g. a Wayland session).
 */
import { createRequire } from 'node:module';
import { Region, screen } from '@nut-tree-fork/nut-js';
import type { RgbImage } from '../../../models/image.ts';
import { cropRgb, packedToRgb } from '../../image/pixels.ts';

export type GrabMethod = 'nut-js' | 'node-screenshots';

interface NativeImage {
  width: number;
  height: number;
  toRaw(): Promise<Buffer>;
}
interface NativeMonitor {
  x(): number;
  y(): number;
  width(): number;
  height(): number;
  captureImage(): Promise<NativeImage>;
}

const require = createRequire(import.meta.url);

async function grabNut(x: number, y: number, width: number, height: number): Promise<RgbImage> {
  const grab = await screen.grabRegion(new Region(x, y, width, height));
  // libnut hands back BGRx rows (byteWidth may include padding) on every platform.
  return packedToRgb(new Uint8Array(grab.data.buffer, grab.data.byteOffset, grab.data.length), grab.width, grab.height, grab.byteWidth, 'bgra');
}

async function grabNodeScreenshots(x: number, y: number, width: number, height: number): Promise<RgbImage> {
  const { Monitor } = require('node-screenshots') as { Monitor: { all(): NativeMonitor[] } };
  const monitor = Monitor.all().find((m) => x >= m.x() && y >= m.y() && x + width <= m.x() + m.width() && y + height <= m.y() + m.height());
  if (!monitor) throw new Error(`node-screenshots: no monitor holds the region ${width}x${height}+${x}+${y}`);
  const image = await monitor.captureImage();
  const raw = await image.toRaw();
  const whole = packedToRgb(new Uint8Array(raw.buffer, raw.byteOffset, raw.length), image.width, image.height, image.width * 4, 'rgba');
  const [dx, dy] = [x - monitor.x(), y - monitor.y()];
  return dx === 0 && dy === 0 && width === whole.width && height === whole.height ? whole : cropRgb(whole, dx, dy, width, height);
}

const GRABBERS: Record<GrabMethod, typeof grabNut> = { 'nut-js': grabNut, 'node-screenshots': grabNodeScreenshots };

/** Grabs with `preferred`, falling back to the other method if it throws. */
export async function grab(
  x: number,
  y: number,
  width: number,
  height: number,
  preferred: GrabMethod = 'nut-js',
): Promise<{ image: RgbImage; method: GrabMethod }> {
  const order: GrabMethod[] = preferred === 'nut-js' ? ['nut-js', 'node-screenshots'] : ['node-screenshots', 'nut-js'];
  const failures: string[] = [];
  for (const method of order) {
    try {
      return { image: await GRABBERS[method](x, y, width, height), method };
    } catch (error) {
      failures.push(`${method}: ${(error as Error).message ?? String(error)}`);
    }
  }
  throw new Error(`could not capture the screen (${failures.join('; ')})`);
}
