/**
 * The grounding check on the user's own screen (doctor --grounding, the Settings screen). The screen is captured,
 * five small labels are drawn onto the capture at known spots (over whatever the screen shows, at its
 * real resolution), and the model is asked for each label in turn; the check says how many it found.
 * With zoom, each answer also gets the second look the runs use with --zoom-clicks. The result keeps
 * every label's box, the model's point (and first point, with zoom), whether it hit, and the times.
 */
import sharp from 'sharp';
import { DesktopEnvironment } from '../env/desktop/environment.ts';
import { openBackend } from '../backends/open.ts';
import { lookOnce } from '../grounding/look.ts';
import { lookTwice } from '../grounding/zoom.ts';
import type { RgbImage } from '../../models/image.ts';
import type { VlmBackend } from '../../models/types.ts';
import type { GroundingCheckP, GroundingProgressP, GroundingTargetP } from '../protocol/messages.ts';
import type { CheckResult } from './report.ts';

export interface GroundingMark {
  text: string;
  /** The label's box, in capture pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where the labels go: spread over the screen, none at the centre or in a corner's symmetric twin. */
const SPOTS: Array<[string, number, number]> = [
  ['K7', 0.12, 0.18], ['Q3', 0.81, 0.12], ['M5', 0.47, 0.55], ['B8', 0.2, 0.84], ['X2', 0.88, 0.76],
];

export function groundingMarks(size: { width: number; height: number }): GroundingMark[] {
  const font = Math.max(14, Math.round(size.height / 50));
  const width = Math.round(font * 2.6);
  const height = Math.round(font * 1.5);
  return SPOTS.map(([text, fx, fy]) => ({ text, x: Math.round(size.width * fx), y: Math.round(size.height * fy), width, height }));
}

/** The capture with the labels drawn on it: black text on yellow, boxed in red. */
export async function drawMarks(capture: RgbImage, marks: GroundingMark[]): Promise<RgbImage> {
  const { width, height } = capture;
  const svg =
    `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    marks
      .map(
        (m) =>
          `<rect x="${m.x}" y="${m.y}" width="${m.width}" height="${m.height}" fill="#ffe600" stroke="#d00000" stroke-width="2"/>` +
          `<text x="${m.x + m.width / 2}" y="${m.y + m.height * 0.75}" font-family="sans-serif" font-weight="bold" font-size="${Math.round(m.height * 0.7)}" text-anchor="middle" fill="#000">${m.text}</text>`,
      )
      .join('') +
    `</svg>`;
  const { data } = await sharp(Buffer.from(capture.data.buffer, capture.data.byteOffset, capture.data.byteLength), { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function inside(p: { x: number; y: number } | null, m: GroundingMark): boolean {
  return p !== null && p.x >= m.x && p.x <= m.x + m.width && p.y >= m.y && p.y <= m.y + m.height;
}

export interface GroundingCheckOptions {
  zoom?: boolean;
  signal?: AbortSignal;
  onProgress?(progress: GroundingProgressP): void;
}

/** Grounds every label on the marked capture, one after the other; points are in capture pixels. */
export async function groundMarks(backend: VlmBackend, capture: RgbImage, options: GroundingCheckOptions = {}): Promise<GroundingTargetP[]> {
  const marks = groundingMarks(capture);
  const image = await drawMarks(capture, marks);
  const region = { x: 0, y: 0, width: image.width, height: image.height };
  const targets: GroundingTargetP[] = [];
  options.onProgress?.({ stage: 'labels', done: 0, total: marks.length });
  for (const m of marks) {
    options.signal?.throwIfAborted();
    const instruction = `the yellow label with the text "${m.text}"`;
    const start = performance.now();
    const looks = options.zoom ? await lookTwice(backend, image, instruction, region, options.signal) : undefined;
    const point = looks ? looks.point : (await lookOnce(backend, image, instruction, region, options.signal)).point;
    const target: GroundingTargetP = {
      label: m.text,
      box: { x: m.x, y: m.y, width: m.width, height: m.height },
      point: point && { x: point.x, y: point.y },
      ...(looks ? { first: looks.first.point && { x: looks.first.point.x, y: looks.first.point.y } } : {}),
      hit: inside(point, m),
      ms: performance.now() - start,
    };
    targets.push(target);
    options.onProgress?.({ stage: 'labels', done: targets.length, total: marks.length, target });
  }
  return targets;
}

/**
 * The whole check: capture the display, open the model, ground the labels. The one implementation
 * behind `doctor --grounding` and the Settings screen's check.
 */
export async function checkGrounding(
  spec: string, display: string | undefined, options: GroundingCheckOptions & { provider?: string } = {},
): Promise<GroundingCheckP> {
  const started = performance.now();
  const screen = display ?? process.env.DISPLAY;
  options.onProgress?.({ stage: 'capture', done: 0, total: SPOTS.length });
  let capture: RgbImage;
  try {
    const env = new DesktopEnvironment(screen !== undefined ? { display: screen } : {});
    try {
      capture = (await env.observe()).image;
    } finally {
      await env.dispose();
    }
  } catch (error) {
    throw new Error(`cannot capture the screen of display ${screen ?? '(none: DISPLAY is not set)'}: ${(error as Error).message}`);
  }
  const captureMs = performance.now() - started;
  options.onProgress?.({ stage: 'model', done: 0, total: SPOTS.length });
  let backend: VlmBackend;
  try {
    backend = await openBackend(spec, options.provider !== undefined ? { executionProvider: options.provider } : {});
  } catch (error) {
    throw new Error(`cannot open the model ${spec}: ${(error as Error).message}`);
  }
  const loadMs = performance.now() - started - captureMs;
  try {
    const targets = await groundMarks(backend, capture, options);
    const found = targets.filter((t) => t.hit).length;
    const totalMs = performance.now() - started;
    return {
      model: spec,
      ...(screen !== undefined ? { display: screen } : {}),
      width: capture.width,
      height: capture.height,
      zoom: options.zoom ?? false,
      targets,
      found,
      total: targets.length,
      score: found / targets.length,
      timings: { captureMs, loadMs, groundMs: totalMs - captureMs - loadMs, totalMs },
    };
  } finally {
    await backend.dispose();
  }
}

/** The check as a doctor line: how many labels the model found, and where it missed. */
export function groundingResult(check: GroundingCheckP): CheckResult {
  const at = (p: { x: number; y: number } | null) => (p ? `at (${Math.round(p.x)}, ${Math.round(p.y)})` : 'not found');
  const missed = check.targets.filter((t) => !t.hit).map((t) => `${t.label} ${at(t.point)}`);
  const detail = `found ${check.found} of ${check.total} labels drawn on this ${check.width}x${check.height} screen${check.zoom ? ' (with a second, zoomed look)' : ''}`;
  if (missed.length === 0) return { name: 'grounding', status: 'ok', detail };
  return {
    name: 'grounding',
    status: check.found === 0 ? 'fail' : 'warn',
    detail: `${detail}; missed ${missed.join(', ')}`,
    fix: check.zoom ? 'a larger or grounding-trained model finds small targets on big screens' : 'try --zoom (deskpilot run --zoom-clicks) or a larger model',
  };
}
