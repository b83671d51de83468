import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../models/image.ts';
import {
  KIMI_VL_IMAGE_DEFAULTS,
  imageGeometry,
  parseImageConfig,
  preprocessImage,
  preprocessImages,
} from '../../models/kimi/image-processor.ts';
import { resizeBicubicPil } from '../../models/kimi/pil-resize.ts';

const FIXTURES = join(import.meta.dirname, 'image-fixtures');
const cases = JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as Record<string, unknown>;

async function loadPng(name: string): Promise<RgbImage> {
  const { data, info } = await sharp(join(FIXTURES, name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('PIL-identical bicubic resize (fixtures made by Debian python3-pil 9.4, make.py)', () => {
  const sizes = Object.entries(cases).filter(([name]) => name.startsWith('pil-')) as [string, [number, number]][];
  for (const [name, [w, h]] of sizes) {
    it(`matches PIL Image.resize((${w}, ${h}), BICUBIC) exactly`, async () => {
      const input = await loadPng('input.png');
      const expected = await loadPng(name);
      const out = resizeBicubicPil(input, w, h);
      expect([out.width, out.height]).toEqual([w, h]);
      // The brief allows one 8-bit level; the fixed-point arithmetic reproduces PIL exactly.
      expect(maxAbsDiff(out.data, expected.data)).toBe(0);
    });
  }

  it('returns an unchanged copy when the size does not change, and rejects bad sizes', async () => {
    const input = await loadPng('input.png');
    const same = resizeBicubicPil(input, input.width, input.height);
    expect(Buffer.compare(same.data, input.data)).toBe(0);
    expect(same.data === input.data).toBe(false);
    expect(() => resizeBicubicPil(input, 0, 5)).toThrow(/positive integers/);
  });
});

describe('Kimi-VL image processor', () => {
  it('computes the documented screenshot geometry at both token limits', () => {
    expect(imageGeometry(1920, 1080)).toEqual({
      resizedWidth: 1196,
      resizedHeight: 672,
      paddedWidth: 1204,
      paddedHeight: 672,
      gridH: 48,
      gridW: 86,
      tokens: 1032,
    });
    const big = imageGeometry(1920, 1080, { ...KIMI_VL_IMAGE_DEFAULTS, inTokenLimit: 16384 });
    expect([big.resizedWidth, big.resizedHeight, big.paddedWidth, big.paddedHeight, big.tokens]).toEqual([1920, 1080, 1932, 1092, 2691]);
  });

  it('downscales with PIL bicubic when over the token limit, to the size Python computes', async () => {
    const input = await loadPng('input.png');
    const processor = cases.processor as { in_token_limit: number; resized: [number, number] };
    const config = { ...KIMI_VL_IMAGE_DEFAULTS, inTokenLimit: processor.in_token_limit };
    const geo = imageGeometry(input.width, input.height, config);
    expect([geo.resizedWidth, geo.resizedHeight]).toEqual(processor.resized);
    const out = preprocessImage(input, config);
    const pil = await loadPng(`pil-${processor.resized[0]}x${processor.resized[1]}.png`);
    // Patch (0,0), channel c, pixel (y,x) holds the normalised PIL pixel.
    for (const [c, y, x] of [[0, 0, 0], [1, 5, 13], [2, 13, 7]]) {
      expect(out.pixelValues[(c * 14 + y) * 14 + x]).toBeCloseTo(pil.data[(y * pil.width + x) * 3 + c] / 127.5 - 1, 6);
    }
    // Patch (gy=3, gx=2) pixel (y=1, x=4), green.
    const [gy, gx, y, x] = [3, 2, 1, 4];
    const idx = ((gy * geo.gridW + gx) * 3 + 1) * 196 + y * 14 + x;
    expect(out.pixelValues[idx]).toBeCloseTo(pil.data[((gy * 14 + y) * pil.width + gx * 14 + x) * 3 + 1] / 127.5 - 1, 6);
  });

  it('pads right and bottom to multiples of 28 with -1, patches row-major, each in (c, y, x) order', () => {
    // 30x16 image: pixel value encodes position and channel.
    const w = 30;
    const h = 16;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = (x * 7 + y * 3 + c * 50) % 256;
    const out = preprocessImage({ width: w, height: h, data });
    expect(out.grids).toEqual([[2, 4]]); // padded to 56x28
    expect(out.tokensPerImage).toEqual([2]);
    expect(out.pixelValues.length).toBe(8 * 588);
    const at = (gy: number, gx: number, c: number, y: number, x: number): number => out.pixelValues[((gy * 4 + gx) * 3 + c) * 196 + y * 14 + x];
    const norm = (v: number): number => v / 255 / 0.5 - 1;
    expect(at(0, 0, 0, 0, 0)).toBeCloseTo(norm(0), 6);
    expect(at(0, 1, 2, 3, 5)).toBeCloseTo(norm(((14 + 5) * 7 + 3 * 3 + 100) % 256), 6);
    expect(at(1, 2, 1, 1, 1)).toBeCloseTo(norm((29 * 7 + 15 * 3 + 50) % 256), 6);
    // Column 30.. and row 16.. are padding.
    expect(at(0, 2, 0, 0, 2)).toBe(-1);
    expect(at(1, 0, 1, 2, 0)).toBe(-1);
    expect(at(1, 3, 2, 13, 13)).toBe(-1);
  });

  it('concatenates several images in order', () => {
    const a = preprocessImage({ width: 28, height: 28, data: new Uint8Array(28 * 28 * 3).fill(255) });
    const both = preprocessImages([
      { width: 28, height: 28, data: new Uint8Array(28 * 28 * 3).fill(255) },
      { width: 40, height: 10, data: new Uint8Array(40 * 10 * 3) },
    ]);
    expect(both.grids).toEqual([[2, 2], [2, 4]]);
    expect(both.tokensPerImage).toEqual([1, 2]);
    expect(both.pixelValues.subarray(0, a.pixelValues.length)).toEqual(a.pixelValues);
    expect(both.pixelValues[a.pixelValues.length]).toBe(-1);
  });

  it('refuses grids of 512 patches or more with the sizes in the message', () => {
    expect(() => imageGeometry(100000, 20)).toThrow(/100000x20 gives a 2x\d+ patch grid; each side must stay below 512/);
  });

  it('validates preprocessor_config.json, naming the file and field', () => {
    const good = { patch_size: 14, merge_kernel_size: [2, 2], in_token_limit: 16384, pad_input: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] };
    expect(parseImageConfig(JSON.stringify(good)).inTokenLimit).toBe(16384);
    expect(() => parseImageConfig(JSON.stringify({ ...good, in_token_limit: 0 }), 'pkg/preprocessor_config.json')).toThrow(
      /pkg\/preprocessor_config\.json: field "in_token_limit" must be a positive integer \(got 0\)/,
    );
    expect(() => parseImageConfig(JSON.stringify({ ...good, merge_kernel_size: [3, 3] }))).toThrow(/merge_kernel_size/);
    expect(() => parseImageConfig(JSON.stringify({ ...good, image_std: [0.5, 0, 0.5] }))).toThrow(/image_std/);
    expect(() => parseImageConfig('{', 'x.json')).toThrow(/x\.json: not valid JSON/);
  });
});
