/**
 * 8-bit RGB resize that reproduces PIL's `Image.resize(size, BICUBIC)` bit for bit.
 *
 * Input: RgbImage and a target size. Output: a new RgbImage.
 * PIL's algorithm: a separable Keys cubic (a = -0.5) whose support widens by the downscale factor
 * (antialiasing), weights normalised per output pixel, converted to 22-bit fixed point, horizontal
 * pass first with the intermediate rounded to 8 bits, then the vertical pass. A pass whose size does
 * not change is skipped.
 */
import type { RgbImage } from '../image.ts';

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);
const CUBIC_SUPPORT = 2;

function keysCubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Taps {
  /** First input index per output index. */
  start: Int32Array;
  /** Tap count per output index. */
  count: Int32Array;
  /** Fixed-point weights, `stride` per output index. */
  weights: Int32Array;
  stride: number;
}

/** Per-output-pixel taps for resizing a line of `inSize` pixels to `outSize`. */
function computeTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = CUBIC_SUPPORT * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const w = new Float64Array(stride);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C casts truncate toward zero; Math.trunc does the same.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = keysCubic((x + xmin - center + 0.5) / filterScale);
      sum += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = sum !== 0 ? w[x] / sum : w[x];
      weights[xx * stride + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, stride };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** PIL-identical bicubic resize of an 8-bit RGB image. */
export function resizeBicubicPil(src: RgbImage, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  if (src.data.length !== src.width * src.height * 3) {
    throw new RangeError(`image data has ${src.data.length} bytes; ${src.width}x${src.height} RGB needs ${src.width * src.height * 3}`);
  }
  let img = src;
  const vert = height !== src.height ? computeTaps(src.height, height) : undefined;
  if (width !== src.width) {
    const h = computeTaps(src.width, width);
    // Only the rows the vertical pass reads are resampled horizontally, as PIL does.
    const first = vert ? vert.start[0] : 0;
    const last = vert ? vert.start[height - 1] + vert.count[height - 1] : src.height;
    const out = new Uint8Array(width * (last - first) * 3);
    for (let y = first; y < last; y++) {
      const rowIn = y * src.width * 3;
      const rowOut = (y - first) * width * 3;
      for (let xx = 0; xx < width; xx++) {
        const k = xx * h.stride;
        const x0 = h.start[xx];
        let r = HALF;
        let g = HALF;
        let b = HALF;
        for (let t = 0; t < h.count[xx]; t++) {
          const wt = h.weights[k + t];
          const p = rowIn + (x0 + t) * 3;
          r += src.data[p] * wt;
          g += src.data[p + 1] * wt;
          b += src.data[p + 2] * wt;
        }
        const o = rowOut + xx * 3;
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    img = { width, height: last - first, data: out };
    if (vert) for (let i = 0; i < height; i++) vert.start[i] -= first;
  }
  if (!vert) return img === src ? { width, height, data: src.data.slice() } : img;
  const out = new Uint8Array(width * height * 3);
  const rowLen = width * 3;
  for (let yy = 0; yy < height; yy++) {
    const k = yy * vert.stride;
    const y0 = vert.start[yy];
    const n = vert.count[yy];
    for (let i = 0; i < rowLen; i++) {
      let acc = HALF;
      for (let t = 0; t < n; t++) acc += img.data[(y0 + t) * rowLen + i] * vert.weights[k + t];
      out[yy * rowLen + i] = clip8(acc);
    }
  }
  return { width, height, data: out };
}
