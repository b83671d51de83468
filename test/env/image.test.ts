import { deflateSync, crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePng, encodePng } from '../../agent/image/png.ts';
import { resizeRgb } from '../../agent/image/resize.ts';
import { cropRgb, packedToRgb } from '../../agent/image/pixels.ts';
import type { RgbImage } from '../../models/image.ts';

/** A minimal PNG writer written from the spec, so decodePng is checked against something it did not make. */
function handMadePng(width: number, height: number, colourType: number, bitDepth: number, rows: Uint8Array[], palette?: Uint8Array): Buffer {
  const chunk = (type: string, body: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colourType, 0, 0, 0], 8);
  const raw = Buffer.concat(rows.map((r) => Buffer.concat([Buffer.from([0]), r])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', palette)] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

const pixel = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('encodePng / decodePng', () => {
  it('round-trips any RGB image exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer(), async (w, h, seed) => {
        const data = new Uint8Array(w * h * 3).map((_, i) => (seed * 31 + i * 97) & 0xff);
        const back = await decodePng(await encodePng({ width: w, height: h, data }));
        expect(back).toEqual({ width: w, height: h, data });
      }),
      { numRuns: 25 },
    );
  });

  it('writes a truecolour 8-bit PNG header with the image size', async () => {
    const png = await encodePng({ width: 300, height: 7, data: new Uint8Array(300 * 7 * 3) });
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(300);
    expect(png.readUInt32BE(20)).toBe(7);
    expect([png[24], png[25]]).toEqual([8, 2]); // bit depth 8, colour type 2 (RGB)
  });

  it('decodes grey, palette, RGBA and 16-bit PNGs to 8-bit RGB', async () => {
    const grey = await decodePng(handMadePng(2, 1, 0, 8, [Uint8Array.from([10, 200])]));
    expect(pixel(grey, 0, 0)).toEqual([10, 10, 10]);
    expect(pixel(grey, 1, 0)).toEqual([200, 200, 200]);

    const pal = await decodePng(handMadePng(2, 1, 3, 8, [Uint8Array.from([1, 0])], Uint8Array.from([1, 2, 3, 250, 100, 5])));
    expect([pixel(pal, 0, 0), pixel(pal, 1, 0)]).toEqual([[250, 100, 5], [1, 2, 3]]);

    // Fully opaque and fully transparent pixels: transparent ones become black.
    const rgba = await decodePng(handMadePng(2, 1, 6, 8, [Uint8Array.from([9, 8, 7, 255, 200, 200, 200, 0])]));
    expect([pixel(rgba, 0, 0), pixel(rgba, 1, 0)]).toEqual([[9, 8, 7], [0, 0, 0]]);

    // 16-bit samples: 0xFFFF -> 255, 0x8080 -> 128, 0x0000 -> 0.
    const deep = await decodePng(handMadePng(1, 1, 2, 16, [Uint8Array.from([0xff, 0xff, 0x80, 0x80, 0, 0])]));
    expect(pixel(deep, 0, 0)).toEqual([255, 128, 0]);
  });

  it('names the source when the bytes are not a PNG', async () => {
    await expect(decodePng(Buffer.from('GIF89a...'), 'step_3.png')).rejects.toThrow(/step_3\.png is not a PNG/);
    await expect(encodePng({ width: 2, height: 2, data: new Uint8Array(5) })).rejects.toThrow(/needs 12/);
  });
});

describe('resizeRgb', () => {
  it('keeps a linear ramp linear when halving (lanczos), to within rounding', async () => {
    const w = 64;
    const h = 4;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(x * 3 + 20, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const out = await resizeRgb({ width: w, height: h, data }, 32, 2);
    expect([out.width, out.height, out.data.length]).toEqual([32, 2, 32 * 2 * 3]);
    // Output pixel i covers source pixels 2i and 2i+1, centred at 2i + 0.5: the ramp there is 3(2i + 0.5) + 20.
    // Lanczos weights sum to one and are symmetric, so a ramp comes back exact up to 8-bit rounding (±1).
    for (let i = 3; i < 29; i++) {
      for (const c of pixel(out, i, 1)) expect(Math.abs(c - (3 * (2 * i + 0.5) + 20))).toBeLessThanOrEqual(1);
    }
  });

  it('doubles pixels exactly with the nearest kernel, and copies at the same size', async () => {
    const src = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const out = await resizeRgb(src, 4, 2, 'nearest');
    expect(Array.from(out.data)).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
    const same = await resizeRgb(src, 2, 1);
    expect(same.data).toEqual(src.data);
    expect(same.data).not.toBe(src.data);
    await expect(resizeRgb(src, 0, 5)).rejects.toThrow(/positive integers, got 0x5/);
  });
});

describe('packedToRgb / cropRgb', () => {
  it('reorders BGRA and RGBA rows with padding, aligned or not', () => {
    const stride = 12; // 2 pixels of 4 bytes + 4 bytes padding
    const bytes = Uint8Array.from([3, 2, 1, 0, 6, 5, 4, 0, 99, 99, 99, 99, 9, 8, 7, 0, 12, 11, 10, 0, 99, 99, 99, 99]);
    const expected = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    expect(Array.from(packedToRgb(bytes, 2, 2, stride, 'bgra').data)).toEqual(expected);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(packedToRgb(shifted.subarray(1), 2, 2, stride, 'bgra').data)).toEqual(expected);
    const rgba = Uint8Array.from([1, 2, 3, 0, 4, 5, 6, 0]);
    expect(Array.from(packedToRgb(rgba, 2, 1, 8, 'rgba').data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => packedToRgb(rgba, 3, 1, 12, 'rgba')).toThrow(/cannot hold 3x1/);
  });

  it('crops a rectangle and refuses one outside the image', () => {
    const img = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i) };
    expect(Array.from(cropRgb(img, 1, 1, 2, 1).data)).toEqual([12, 13, 14, 15, 16, 17]);
    expect(() => cropRgb(img, 2, 0, 2, 1)).toThrow(/not inside the 3x2 image/);
  });
});
