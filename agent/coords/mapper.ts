/**
 * The one place that converts between the three coordinate spaces of a step:
 * - model: what the model wrote (ModelPoint with its unit: relative / thousand / image / screen)
 * - capture: pixels of the captured screenshot (device pixels when captured natively)
 * - screen: logical pixels of the virtual desktop, display origin included (what nut-js clicks)
 * Build one mapper per observation. Capture -> screen uses the real capture/display size ratio,
 * not the scale factor alone, so captures taken at logical size (or downscaled) still map right.
 */
import type { Action, ModelAction, ModelPoint, Point } from '../protocol/actions.ts';
import { mapActionPoints } from '../protocol/actions.ts';
import type { DisplayInfo } from '../env/types.ts';
import type { CoordinateUnit } from '../../models/types.ts';

export interface Size {
  width: number;
  height: number;
}

export interface MapperGeometry {
  display: DisplayInfo;
  /** Size of the captured image. */
  capture: Size;
  /** Size of the image the model was shown, after any resize; defaults to the capture size. */
  model?: Size;
}

export interface MappedPoint {
  /** Pixels of the captured image, rounded and clamped to it. */
  capture: Point;
  /** Virtual-desktop logical pixels, rounded and clamped to the display. */
  screen: Point;
  /** The model's point lay outside the display (it was clamped to the nearest edge). */
  outside: boolean;
}

export interface MappedAction {
  capture: Action<Point>;
  screen: Action<Point>;
  /** One line per point that had to be clamped, for the trace and the model's next turn. */
  warnings: string[];
}

/**
 * Kimi-VL / OpenCUA convention: a relative point is a fraction of the ORIGINAL screenshot's size.
 * The model saw a resized, black-padded image, but the agents scale by the unpadded original and
 * ignore the padding (error at most ~2%, kimi-vl.md §1), so that is what this does too.
 */
export function kimiRelativeToCapture(p: Point, capture: Size): Point {
  return { x: p.x * capture.width, y: p.y * capture.height };
}

export class CoordinateMapper {
  readonly display: DisplayInfo;
  readonly capture: Size;
  readonly model: Size;

  constructor(geometry: MapperGeometry) {
    this.display = geometry.display;
    this.capture = geometry.capture;
    this.model = geometry.model ?? geometry.capture;
    const d = this.display;
    checkSize(`display ${d.id}`, d);
    checkSize('capture', this.capture);
    checkSize('model image', this.model);
    if (!Number.isFinite(d.x) || !Number.isFinite(d.y)) {
      throw new RangeError(`display ${d.id}: origin (${d.x}, ${d.y}) must be finite numbers`);
    }
    if (!(d.scaleFactor > 0 && Number.isFinite(d.scaleFactor))) {
      throw new RangeError(`display ${d.id}: scaleFactor ${d.scaleFactor} must be a positive number`);
    }
  }

  /** Builds a mapper from the flat geometry a step record stores. */
  static fromStep(g: { display: DisplayInfo; captureWidth: number; captureHeight: number; modelWidth: number; modelHeight: number }): CoordinateMapper {
    return new CoordinateMapper({
      display: g.display,
      capture: { width: g.captureWidth, height: g.captureHeight },
      model: { width: g.modelWidth, height: g.modelHeight },
    });
  }

  /** Model point -> capture pixel (rounded, clamped): where to draw it on the screenshot. */
  toCapture(p: ModelPoint): Point {
    return this.mapPoint(p).capture;
  }

  /** Model point -> virtual-desktop logical pixel (rounded, clamped): what is executed. */
  toScreen(p: ModelPoint): Point {
    return this.mapPoint(p).screen;
  }

  /** Capture pixels per logical pixel (the scale factor when captured natively). */
  get captureScale(): { x: number; y: number } {
    return { x: this.capture.width / this.display.width, y: this.capture.height / this.display.height };
  }

  /** Model point -> capture pixels, exact (not rounded or clamped). */
  modelToCapture(p: ModelPoint): Point {
    checkPoint(p);
    const c = this.capture;
    switch (p.unit) {
      case 'relative':
        return kimiRelativeToCapture(p, c);
      case 'thousand':
        return { x: (p.x / 1000) * c.width, y: (p.y / 1000) * c.height };
      case 'image':
        return { x: p.x * (c.width / this.model.width), y: p.y * (c.height / this.model.height) };
      case 'screen':
        // Display-local logical pixels: the model only ever sees one display, with its origin at 0,0.
        return { x: p.x * this.captureScale.x, y: p.y * this.captureScale.y };
      default:
        throw new RangeError(`unknown coordinate unit ${JSON.stringify((p as { unit: unknown }).unit)}; use relative, thousand, image or screen`);
    }
  }

  /** Capture pixels -> virtual-desktop logical pixels, exact. */
  captureToScreen(p: Point): Point {
    const s = this.captureScale;
    return { x: this.display.x + p.x / s.x, y: this.display.y + p.y / s.y };
  }

  /** Virtual-desktop logical pixels -> capture pixels, exact (for drawing markers on screenshots). */
  screenToCapture(p: Point): Point {
    checkPoint(p);
    const s = this.captureScale;
    return { x: (p.x - this.display.x) * s.x, y: (p.y - this.display.y) * s.y };
  }

  /** Virtual-desktop logical pixels -> a point in the given model unit (for replay and drawing). */
  screenToModel(p: Point, unit: CoordinateUnit): ModelPoint {
    const c = this.screenToCapture(p);
    const cap = this.capture;
    switch (unit) {
      case 'relative':
        return { x: c.x / cap.width, y: c.y / cap.height, unit };
      case 'thousand':
        return { x: (c.x / cap.width) * 1000, y: (c.y / cap.height) * 1000, unit };
      case 'image':
        return { x: c.x * (this.model.width / cap.width), y: c.y * (this.model.height / cap.height), unit };
      case 'screen':
        return { x: p.x - this.display.x, y: p.y - this.display.y, unit };
    }
  }

  /** Model point -> rounded capture and screen points, clamped to the display. */
  mapPoint(p: ModelPoint): MappedPoint {
    const exact = this.modelToCapture(p);
    const cap = this.capture;
    // A point on the far edge (x = 1.0 relative) is inside; only beyond it is "outside".
    const outside = exact.x < 0 || exact.y < 0 || exact.x > cap.width || exact.y > cap.height;
    const capture = { x: clamp(Math.round(exact.x), 0, cap.width - 1), y: clamp(Math.round(exact.y), 0, cap.height - 1) };
    const s = this.captureToScreen(exact);
    const d = this.display;
    const screen = {
      x: clamp(Math.round(s.x), d.x, d.x + d.width - 1),
      y: clamp(Math.round(s.y), d.y, d.y + d.height - 1),
    };
    return { capture, screen, outside };
  }

  /** Maps every point of an action; points outside the display are clamped and reported. */
  mapAction(action: ModelAction): MappedAction {
    const warnings: string[] = [];
    const mapped = new Map<ModelPoint, MappedPoint>();
    const get = (p: ModelPoint): MappedPoint => {
      let m = mapped.get(p);
      if (m === undefined) {
        m = this.mapPoint(p);
        mapped.set(p, m);
        if (m.outside) {
          const d = this.display;
          warnings.push(
            `point (${p.x}, ${p.y}) in ${p.unit} units is outside display ${d.id} ` +
              `(${d.width}x${d.height} at ${d.x},${d.y}); clamped to (${m.screen.x}, ${m.screen.y})`,
          );
        }
      }
      return m;
    };
    return {
      capture: mapActionPoints(action, (p) => get(p).capture),
      screen: mapActionPoints(action, (p) => get(p).screen),
      warnings,
    };
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

function checkSize(what: string, s: Size): void {
  if (!(Number.isFinite(s.width) && Number.isFinite(s.height) && s.width > 0 && s.height > 0)) {
    throw new RangeError(`${what} size ${s.width}x${s.height} must be positive finite numbers`);
  }
}

function checkPoint(p: Point): void {
  if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
    throw new RangeError(`point (${p.x}, ${p.y}) must have finite coordinates`);
  }
}
