/**
 * Blacks out chosen screen regions and windows before a screenshot reaches the model or the trace.
 * Regions are in virtual-desktop logical pixels; windows are found by title / class regex on X11.
 */
import type { Observation } from '../env/types.ts';
import type { WindowInfo } from './x11.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MaskSpec {
  regions?: Rect[];
  windows?: { title?: RegExp; className?: RegExp }[];
}

/** Parses "x,y,w,h" as given on the command line. */
export function parseRect(text: string): Rect {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n)) || parts[2] <= 0 || parts[3] <= 0) {
    throw new Error(`bad region "${text}": expected x,y,width,height in screen pixels, e.g. 0,0,400,300`);
  }
  return { x: parts[0], y: parts[1], width: parts[2], height: parts[3] };
}

/** The rectangles to mask: explicit regions plus the frames of matching windows. */
export function rectsToMask(spec: MaskSpec, windows: WindowInfo[]): Rect[] {
  const rects = [...(spec.regions ?? [])];
  for (const match of spec.windows ?? []) {
    for (const w of windows) {
      if (match.title && !match.title.test(w.title)) continue;
      if (match.className && !match.className.test(w.className)) continue;
      rects.push({ x: w.x, y: w.y, width: w.width, height: w.height });
    }
  }
  return rects;
}

/** Returns a copy of the observation with each rectangle (screen space) filled black in capture pixels. */
export function maskObservation(observation: Observation, rects: Rect[]): Observation {
  if (rects.length === 0) return observation;
  const { display, image } = observation;
  const sx = image.width / display.width;
  const sy = image.height / display.height;
  const data = new Uint8Array(image.data);
  for (const r of rects) {
    // Round outward so a masked edge never leaks a partial pixel.
    const x0 = Math.max(0, Math.floor((r.x - display.x) * sx));
    const y0 = Math.max(0, Math.floor((r.y - display.y) * sy));
    const x1 = Math.min(image.width, Math.ceil((r.x + r.width - display.x) * sx));
    const y1 = Math.min(image.height, Math.ceil((r.y + r.height - display.y) * sy));
    for (let y = y0; y < y1; y++) data.fill(0, (y * image.width + x0) * 3, (y * image.width + x1) * 3);
  }
  return { ...observation, image: { ...image, data } };
}
