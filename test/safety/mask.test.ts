import { describe, expect, it } from 'vitest';
import { maskObservation, parseRect, rectsToMask } from '../../agent/safety/mask.ts';
import { parseWmctrl } from '../../agent/safety/x11.ts';
import type { Observation } from '../../agent/env/types.ts';

function observation(): Observation {
  // A 2x display at origin (100, 50): 20x10 logical -> 40x20 capture pixels, all white.
  const image = { width: 40, height: 20, data: new Uint8Array(40 * 20 * 3).fill(255) };
  return { display: { id: '1', x: 100, y: 50, width: 20, height: 10, scaleFactor: 2, primary: false }, image, capturedAt: 0 };
}

const pixel = (o: Observation, x: number, y: number) => o.image.data[(y * o.image.width + x) * 3];

describe('masking', () => {
  it('blacks out a screen-space region in capture pixels, leaving the rest and the input untouched', () => {
    const before = observation();
    const after = maskObservation(before, [{ x: 105, y: 52, width: 5, height: 3 }]);
    expect(pixel(after, 10, 4)).toBe(0);
    expect(pixel(after, 19, 9)).toBe(0);
    expect(pixel(after, 20, 9)).toBe(255);
    expect(pixel(after, 9, 4)).toBe(255);
    expect(pixel(after, 10, 10)).toBe(255);
    expect(pixel(before, 10, 4)).toBe(255);
  });

  it('clips regions that fall partly or wholly outside the display', () => {
    const after = maskObservation(observation(), [{ x: 0, y: 0, width: 102, height: 51 }, { x: 500, y: 500, width: 10, height: 10 }]);
    expect(pixel(after, 0, 0)).toBe(0);
    expect(pixel(after, 3, 1)).toBe(0);
    expect(pixel(after, 4, 2)).toBe(255);
  });

  it('finds windows by title or class', () => {
    const windows = parseWmctrl(
      '0x00a00003  0 10   20   300  200  keepassxc.KeePassXC  host Passwords - KeePassXC\n' +
        '0x00c00003  0 400  0    500  500  xterm.XTerm  host bash\n',
    );
    expect(windows[0]).toMatchObject({ title: 'Passwords - KeePassXC', className: 'keepassxc.KeePassXC', x: 10, y: 20, width: 300 });
    expect(rectsToMask({ windows: [{ className: /keepass/i }] }, windows)).toEqual([{ x: 10, y: 20, width: 300, height: 200 }]);
    expect(rectsToMask({ windows: [{ title: /nothing/ }], regions: [parseRect('1,2,3,4')] }, windows)).toEqual([{ x: 1, y: 2, width: 3, height: 4 }]);
  });

  it('rejects malformed regions with what to write instead', () => {
    expect(() => parseRect('1,2,3')).toThrow(/expected x,y,width,height/);
    expect(() => parseRect('1,2,-3,4')).toThrow(/bad region "1,2,-3,4"/);
  });
});
