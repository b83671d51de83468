import { describe, expect, it } from 'vitest';
import { Key } from '@nut-tree-fork/nut-js';
import { CANONICAL_KEYS } from '../../agent/actions/keys.ts';
import { parseListMonitors } from '../../agent/env/desktop/monitors.ts';
import { nutChordFor } from '../../agent/env/desktop/nut-keys.ts';
import { displayAt, layoutScreens } from '../../agent/env/desktop/screen-layout.ts';
import { frameSignature, signaturesDiffer, waitForSettle } from '../../agent/env/desktop/settle.ts';
import { segmentText } from '../../agent/env/desktop/text-segments.ts';
import type { RgbImage } from '../../models/image.ts';

describe('nut-js key mapping', () => {
  it('maps every canonical key except pause, shifting the shifted ones', () => {
    const unmapped = CANONICAL_KEYS.filter((k) => {
      try {
        return nutChordFor(k).some((key) => key === undefined);
      } catch {
        return true;
      }
    });
    expect(unmapped).toEqual(['pause']);
    expect(nutChordFor('enter')).toEqual([Key.Enter]);
    expect(nutChordFor('!')).toEqual([Key.LeftShift, Key.Num1]);
    expect(nutChordFor('A')).toEqual([Key.LeftShift, Key.A]);
    expect(nutChordFor('f24')).toEqual([Key.F24]);
    expect(nutChordFor('num7')).toEqual([Key.NumPad7]);
  });

  it('accepts aliases, puts the logo key on Command on macOS, and names unknown keys', () => {
    expect(nutChordFor('Return')).toEqual([Key.Enter]);
    expect(nutChordFor('win', 'linux')).toEqual([Key.LeftSuper]);
    expect(nutChordFor('cmd', 'darwin')).toEqual([Key.LeftCmd]);
    expect(() => nutChordFor('warp')).toThrow(/unknown key "warp"/);
  });
});

describe('text segments', () => {
  it('types ASCII pieces as keys, presses enter/tab, pastes pieces with anything else whole', () => {
    expect(segmentText('héllo wörld\r\nA\tB ✓!\n\nend')).toEqual([
      { kind: 'paste', text: 'héllo wörld' },
      { kind: 'press', key: 'enter' },
      { kind: 'keys', text: 'A' },
      { kind: 'press', key: 'tab' },
      { kind: 'paste', text: 'B ✓!' },
      { kind: 'press', key: 'enter' },
      { kind: 'press', key: 'enter' },
      { kind: 'keys', text: 'end' },
    ]);
    expect(segmentText('')).toEqual([]);
  });
});

describe('screen layout', () => {
  const monitor = (x: number, width: number, primary = false) => ({ name: `m${x}`, x, y: 0, width, height: 600, scaleFactor: 1, primary });

  it('places separate X screens side by side and RandR monitors at their own origins', () => {
    const { displays } = layoutScreens([
      { index: 0, width: 2000, height: 600, monitors: [monitor(1200, 800), monitor(0, 1200, true)] },
      { index: 1, width: 1024, height: 768, monitors: [] },
    ]);
    expect(displays.map((d) => [d.info.id, d.info.x, d.info.width, d.info.primary, d.screen, d.local.x])).toEqual([
      ['0', 0, 1200, true, 0, 0],
      ['1', 1200, 800, false, 0, 1200],
      ['2', 2000, 1024, false, 1, 0],
    ]);
    expect(displayAt(displays, { x: 2000, y: 700 })?.info.id).toBe('2');
    expect(displayAt(displays, { x: 1500, y: 700 })).toBeUndefined(); // below the 600-high monitor
  });

  it('ignores a monitor list that does not fit its screen and marks one display primary', () => {
    const { displays } = layoutScreens([{ index: 0, width: 800, height: 600, monitors: [monitor(0, 1920)] }]);
    expect(displays.map((d) => d.info)).toEqual([{ id: '0', name: 'screen 0', x: 0, y: 0, width: 800, height: 600, scaleFactor: 1, primary: true }]);
  });

  it('parses xrandr --listmonitors', () => {
    const text = 'Monitors: 2\n 0: +*DP-1 1920/508x1080/286+0+0  DP-1\n 1: +HDMI-1 1280/339x1024/271+1920+56  HDMI-1\n';
    expect(parseListMonitors(text)).toEqual([
      { name: 'DP-1', primary: true, width: 1920, height: 1080, x: 0, y: 0, scaleFactor: 1 },
      { name: 'HDMI-1', primary: false, width: 1280, height: 1024, x: 1920, y: 56, scaleFactor: 1 },
    ]);
  });
});

describe('settle', () => {
  const frame = (glyphAt?: number): RgbImage => {
    const img = { width: 64, height: 32, data: new Uint8Array(64 * 32 * 3).fill(200) };
    if (glyphAt !== undefined) for (let y = 10; y < 14; y++) img.data.fill(0, (y * 64 + glyphAt) * 3, (y * 64 + glyphAt + 2) * 3);
    return img;
  };

  it('sees a 2x4-pixel glyph but not identical frames', () => {
    expect(signaturesDiffer(frameSignature(frame()), frameSignature(frame()))).toBe(false);
    expect(signaturesDiffer(frameSignature(frame()), frameSignature(frame(30)))).toBe(true);
  });

  it('waits for the frames to stop changing, and gives up at maxMs', async () => {
    let n = 0;
    // The screen animates for the first 5 frames, then holds still.
    const result = await waitForSettle(frame(), async () => frame(Math.min(++n, 5) * 8), { quietMs: 60, maxMs: 5000 });
    expect(result).toMatchObject({ settled: true, changed: true });
    expect(n).toBeGreaterThan(5);
    let m = 0;
    const busy = await waitForSettle(frame(), async () => frame((++m % 7) * 8), { quietMs: 60, maxMs: 150 });
    expect(busy.settled).toBe(false);
    expect(busy.waitedMs).toBeGreaterThanOrEqual(150);
    // An unchanged screen must stay unchanged for the reaction window before it counts as settled.
    const still = await waitForSettle(frame(), async () => frame(), { quietMs: 20, maxMs: 2000, reactionMs: 200 });
    expect(still).toMatchObject({ settled: true, changed: false });
    expect(still.waitedMs).toBeGreaterThanOrEqual(200);
  });

  it('with ignoreCells, settles on a screen whose only change is a blinking caret', async () => {
    let n = 0;
    const blinking = async () => frame(++n % 2 ? 30 : undefined);
    const strict = await waitForSettle(frame(), blinking, { quietMs: 60, maxMs: 300 });
    expect(strict.settled).toBe(false);
    const lenient = await waitForSettle(frame(), blinking, { quietMs: 60, maxMs: 2000, reactionMs: 100, ignoreCells: 4 });
    expect(lenient).toMatchObject({ settled: true, changed: false });
    // A repaint wider than the allowance still counts.
    const wide = { width: 64, height: 32, data: new Uint8Array(64 * 32 * 3).fill(90) };
    expect(signaturesDiffer(frameSignature(frame()), frameSignature(wide), undefined, 4)).toBe(true);
  });
});
