import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelPoint } from '../../agent/protocol/actions.ts';
import { CoordinateMapper, kimiRelativeToCapture } from '../../agent/coords/mapper.ts';
import type { DisplayInfo } from '../../agent/env/types.ts';
import type { CoordinateUnit } from '../../models/types.ts';

// A desktop of two side-by-side monitors of different density, and one to the upper left.
const primary: DisplayInfo = { id: '0', x: 0, y: 0, width: 1920, height: 1080, scaleFactor: 1, primary: true };
const retina: DisplayInfo = { id: '1', x: 1920, y: 0, width: 2560, height: 1440, scaleFactor: 2, primary: false };
const left: DisplayInfo = { id: '2', x: -1280, y: -200, width: 1280, height: 1024, scaleFactor: 1.5, primary: false };

const native = (d: DisplayInfo) => ({ width: Math.round(d.width * d.scaleFactor), height: Math.round(d.height * d.scaleFactor) });

describe('CoordinateMapper: model -> capture -> screen', () => {
  // The Retina display captured natively (5120x2880) and shown to the model resized to 1280x720.
  const m = new CoordinateMapper({ display: retina, capture: native(retina), model: { width: 1280, height: 720 } });

  it.each<[CoordinateUnit, number, number]>([
    ['relative', 0.5, 0.25],
    ['thousand', 500, 250],
    ['image', 640, 180],
    ['screen', 1280, 360],
  ])('%s (%d, %d) is the same spot: capture (2560, 720), screen (3200, 360)', (unit, x, y) => {
    const p = m.mapPoint({ x, y, unit });
    expect(p).toEqual({ capture: { x: 2560, y: 720 }, screen: { x: 3200, y: 360 }, outside: false });
  });

  it('handles a 1.5x display at a negative origin', () => {
    const l = new CoordinateMapper({ display: left, capture: native(left) });
    // relative (0.25, 0.5): capture (480, 768); logical (320, 512) + origin (-1280, -200).
    expect(l.mapPoint({ x: 0.25, y: 0.5, unit: 'relative' })).toEqual({ capture: { x: 480, y: 768 }, screen: { x: -960, y: 312 }, outside: false });
    expect(l.captureScale).toEqual({ x: 1.5, y: 1.5 });
  });

  it('uses the real capture size when a capture is not native (logical-size capture of a 2x display)', () => {
    const logical = new CoordinateMapper({ display: retina, capture: { width: 2560, height: 1440 } });
    expect(logical.mapPoint({ x: 0.5, y: 0.5, unit: 'relative' }).screen).toEqual({ x: 3200, y: 720 });
  });

  it('states the Kimi convention in one function: fractions of the unpadded original capture', () => {
    // 1920x1080 is shown to Kimi as 1196x672 padded to 1204x672; the padding is ignored.
    expect(kimiRelativeToCapture({ x: 0.5, y: 0.5 }, { width: 1920, height: 1080 })).toEqual({ x: 960, y: 540 });
    const k = new CoordinateMapper({ display: primary, capture: native(primary), model: { width: 1204, height: 672 } });
    expect(k.mapPoint({ x: 1, y: 1, unit: 'relative' })).toEqual({ capture: { x: 1919, y: 1079 }, screen: { x: 1919, y: 1079 }, outside: false });
  });

  it('clamps points outside the display and says so', () => {
    const a = m.mapAction({ kind: 'drag', from: { x: 1.2, y: -0.1, unit: 'relative' }, to: { x: 0.5, y: 0.5, unit: 'relative' }, button: 'left' });
    expect(a.screen).toEqual({ kind: 'drag', from: { x: 1920 + 2559, y: 0 }, to: { x: 3200, y: 720 }, button: 'left' });
    expect(a.capture).toEqual({ kind: 'drag', from: { x: 5119, y: 0 }, to: { x: 2560, y: 1440 }, button: 'left' });
    expect(a.warnings).toEqual(['point (1.2, -0.1) in relative units is outside display 1 (2560x1440 at 1920,0); clamped to (4479, 0)']);
  });

  it('leaves actions without points alone and keeps "at the pointer" undefined', () => {
    expect(m.mapAction({ kind: 'type', text: 'x' })).toEqual({ capture: { kind: 'type', text: 'x' }, screen: { kind: 'type', text: 'x' }, warnings: [] });
    expect(m.mapAction({ kind: 'click', button: 'left', clicks: 1 }).screen).toEqual({ kind: 'click', at: undefined, button: 'left', clicks: 1 });
  });

  it('refuses bad geometry and non-finite points with the field and value', () => {
    expect(() => new CoordinateMapper({ display: { ...primary, width: 0 }, capture: native(primary) })).toThrow(/display 0 size 0x1080/);
    expect(() => new CoordinateMapper({ display: { ...primary, scaleFactor: NaN }, capture: native(primary) })).toThrow(/scaleFactor NaN/);
    expect(() => m.mapPoint({ x: NaN, y: 1, unit: 'relative' })).toThrow(/point \(NaN, 1\)/);
    expect(() => m.mapPoint({ x: 1, y: 1, unit: 'cm' as CoordinateUnit })).toThrow(/unknown coordinate unit "cm"/);
  });
});

describe('CoordinateMapper: round trips on every display and unit', () => {
  const displays = [primary, retina, left];
  const units: CoordinateUnit[] = ['relative', 'thousand', 'image', 'screen'];
  const mapperFor = (d: DisplayInfo) => new CoordinateMapper({ display: d, capture: native(d), model: { width: 1196, height: 672 } });

  it('screen pixel -> model unit -> screen pixel returns the same pixel', () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom(...displays), fc.constantFrom(...units), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (d, unit, fx, fy) => {
        runs++;
        const m = mapperFor(d);
        const p = { x: d.x + Math.min(d.width - 1, Math.floor(fx * d.width)), y: d.y + Math.min(d.height - 1, Math.floor(fy * d.height)) };
        const model = m.screenToModel(p, unit);
        expect(m.mapPoint(model).screen).toEqual(p);
        const back = m.screenToCapture(p);
        expect(m.captureToScreen(back).x).toBeCloseTo(p.x, 9);
      }),
      { numRuns: 500 },
    );
    console.log(`mapper round trips: ${runs} cases`);
  });

  it('model point -> screen -> model point is off by at most half a logical pixel', () => {
    fc.assert(
      fc.property(fc.constantFrom(...displays), fc.constantFrom(...units), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), (d, unit, fx, fy) => {
        const m = mapperFor(d);
        const scale = { relative: [1, 1], thousand: [1000, 1000], image: [1196, 672], screen: [d.width, d.height] }[unit];
        const p: ModelPoint = { x: fx * scale[0], y: fy * scale[1], unit };
        const back = m.screenToModel(m.mapPoint(p).screen, unit);
        // Rounding to a whole logical pixel moves the point by <= 0.5 px = 0.5 / width of the unit range.
        expect(Math.abs(back.x - p.x)).toBeLessThanOrEqual((0.5 / d.width) * scale[0] + 1e-9);
        expect(Math.abs(back.y - p.y)).toBeLessThanOrEqual((0.5 / d.height) * scale[1] + 1e-9);
      }),
      { numRuns: 500 },
    );
  });
});

describe('CoordinateMapper.fromStep', () => {
  it('builds from a step record and exposes toCapture / toScreen for the loop', () => {
    const m = CoordinateMapper.fromStep({ display: retina, captureWidth: 5120, captureHeight: 2880, modelWidth: 1280, modelHeight: 720 });
    expect(m.toCapture({ x: 320, y: 90, unit: 'image' })).toEqual({ x: 1280, y: 360 });
    expect(m.toScreen({ x: 320, y: 90, unit: 'image' })).toEqual({ x: 1920 + 640, y: 180 });
  });
});
