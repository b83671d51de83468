import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../../models/image.ts';
import { readKimiConfig, type KimiConfig } from '../../models/kimi/config.ts';
import { KIMI_VL_IMAGE_DEFAULTS, preprocessImages } from '../../models/kimi/image-processor.ts';
import { buildVisionGraph, type VisionDtype } from '../../models/kimi/convert/vision-graph.ts';
import { VisionEncoder, torchBicubicTaps, visionInputs } from '../../models/kimi/vision.ts';
import { ExternalDataWriter } from '../../models/onnx/index.ts';
import { Checkpoint } from '../../models/safetensors/index.ts';
import { normalRng, writeTinyCheckpoint } from './fixtures/tiny-checkpoint.ts';
import { erf, visionReference } from './reference/vision-ref.ts';

let dir: string;
let config: KimiConfig;
let ckpt: Checkpoint;
const encoders: Record<string, VisionEncoder> = {};

function randomImage(width: number, height: number, seed: number): RgbImage {
  const rng = normalRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(128 + 60 * rng())));
  return { width, height, data };
}

async function encoder(dtype: VisionDtype, int4Blocks = false, headsPerRun?: number, accuracyLevel?: number): Promise<VisionEncoder> {
  const key = `${dtype}${int4Blocks ? '-q4' : ''}${headsPerRun ? `-h${headsPerRun}` : ''}${accuracyLevel ? `-acc${accuracyLevel}` : ''}`;
  const existing = encoders[key];
  if (existing) return existing;
  const external = new ExternalDataWriter(join(dir, `vision-${key}.onnx.data`));
  const graph = buildVisionGraph(config, ckpt, { dtype, external, int4Blocks, headsPerRun, accuracyLevel });
  external.close();
  const path = join(dir, `vision-${key}.onnx`);
  graph.builder.save(path);
  const enc = await VisionEncoder.create(path, { vision: config.vision, textHidden: config.text.hiddenSize, session: { intraOpNumThreads: 1 } });
  encoders[key] = enc;
  return enc;
}

function reference(images: RgbImage[]): Float64Array {
  const { pixelValues, grids } = preprocessImages(images);
  return visionReference((name) => ckpt.float32(name), config.vision, config.text.hiddenSize, pixelValues, grids);
}

/** max |a-b| relative to max |ref|. */
function relErr(actual: Float32Array, ref: Float64Array): number {
  expect(actual.length).toBe(ref.length);
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - ref[i]));
  }
  return maxDiff / maxRef;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'k2-vision-'));
  // 4x4 position table: every grid below except 4x4 must be interpolated.
  writeTinyCheckpoint(join(dir, 'ckpt'), { seed: 11, visionHidden: 32, visionHeads: 2, visionLayers: 2, visionIntermediate: 48, posEmbSize: 4, hiddenSize: 64 });
  config = readKimiConfig(join(dir, 'ckpt', 'config.json'));
  ckpt = Checkpoint.open(join(dir, 'ckpt'));
});

afterAll(async () => {
  for (const enc of Object.values(encoders)) await enc?.release();
  ckpt?.close();
  rmSync(dir, { recursive: true, force: true });
});

// fp32 tolerance: the graph computes in float32 (unit roundoff 6e-8); sums run over at most 588
// terms through 2 blocks and the projector, and the measured error is about 5e-7 of the output
// scale. 1e-5 leaves a 20x margin for summation order, yet catches subtle mistakes: using erf GELU
// in the blocks instead of the tanh form gives 1.7e-4; a wrong order, sign or table tap gives O(1).
const FP32_TOL = 1e-5;

describe('Kimi-VL vision graph vs float64 reference (tiny random MoonViT)', () => {
  it('matches the reference for one image whose grid (6x8) needs the position table interpolated', async () => {
    const img = randomImage(100, 80, 1); // padded to 112x84 -> grid 6x8 -> 12 tokens
    const out = await (await encoder('fp32')).encode([img]);
    expect(out.tokensPerImage).toEqual([12]);
    expect(out.features.length).toBe(12 * 64);
    const err = relErr(out.features, reference([img]));
    console.log(`vision fp32: max error ${err.toExponential(2)} of max |feature|`);
    expect(err).toBeLessThan(FP32_TOL);
  });

  it('matches for two images of different grids run together, and attention never crosses images', async () => {
    const a = randomImage(56, 56, 2); // 4x4 = the table size, used as is
    const b = randomImage(140, 28, 3); // 2x10
    const enc = await encoder('fp32');
    const { pixelValues, grids } = preprocessImages([a, b]);
    const both = await enc.encodePixels(pixelValues, grids, { batch: true });
    expect(both.tokensPerImage).toEqual([4, 5]);
    expect(relErr(both.features, reference([a, b]))).toBeLessThan(FP32_TOL);
    // One run per image (the default) gives the same features: image a ignores image b.
    const separate = await enc.encode([a, b]);
    expect(relErr(separate.features, Float64Array.from(both.features))).toBeLessThan(1e-5);
  });

  it('gives the same features when attention runs one head per fused node', async () => {
    const img = randomImage(100, 80, 1);
    const out = await (await encoder('fp32', false, 1)).encode([img]);
    expect(relErr(out.features, reference([img]))).toBeLessThan(FP32_TOL);
    expect(() => buildVisionGraph(config, ckpt, { dtype: 'fp32', headsPerRun: 3 })).toThrow(/headsPerRun 3 must divide vision_config\.num_attention_heads \(2\)/);
  });

  it('an 8-head tower (default: 4 heads per fused attention node, 2 nodes) matches its reference', async () => {
    const ckptDir = writeTinyCheckpoint(join(dir, 'ckpt8'), { seed: 12, visionHidden: 64, visionHeads: 8, visionLayers: 1, visionIntermediate: 40, posEmbSize: 6, hiddenSize: 48 });
    const cfg8 = readKimiConfig(join(ckptDir, 'config.json'));
    const ck8 = Checkpoint.open(ckptDir);
    try {
      const path = join(dir, 'vision-8h.onnx');
      buildVisionGraph(cfg8, ck8, { dtype: 'fp32' }).builder.save(path);
      const enc = await VisionEncoder.create(path, { vision: cfg8.vision, textHidden: 48, session: { intraOpNumThreads: 1 } });
      try {
        const img = randomImage(70, 100, 5); // grid 8x6
        const out = await enc.encode([img]);
        const { pixelValues, grids } = preprocessImages([img]);
        expect(relErr(out.features, visionReference((name) => ck8.float32(name), cfg8.vision, 48, pixelValues, grids))).toBeLessThan(FP32_TOL);
      } finally {
        await enc.release();
      }
    } finally {
      ck8.close();
    }
  });

  it('serves a repeated screenshot from the cache, with the same features, safe to modify', async () => {
    const enc = await encoder('fp32');
    const img = randomImage(60, 30, 9);
    const first = await enc.encode([img]);
    const hits = enc.cacheHits;
    first.features.fill(0);
    const again = await enc.encode([randomImage(60, 30, 9), img]);
    expect(enc.cacheHits).toBe(hits + 2);
    expect(again.timings.runMs).toBe(0);
    const fresh = await enc.encodePixels(preprocessImages([img]).pixelValues, [[4, 6]]);
    expect(Array.from(again.features.subarray(0, 6 * 64))).toEqual(Array.from(fresh.features));
  });

  it('keeps at least the images of one call: six screenshots sent again are all served from the cache', async () => {
    const enc = await encoder('fp32');
    const shots = Array.from({ length: 6 }, (_, i) => randomImage(28, 28, 20 + i));
    await enc.encode(shots);
    const hits = enc.cacheHits;
    const again = await enc.encode(shots);
    expect(enc.cacheHits).toBe(hits + 6);
    expect(again.timings.runMs).toBe(0);
  });

  it('fp16 weights stay close to the reference (error reported, bounded)', async () => {
    const img = randomImage(100, 80, 1);
    const out = await (await encoder('fp16')).encode([img]);
    const err = relErr(out.features, reference([img]));
    console.log(`vision fp16 weights: max error ${err.toExponential(2)} of max |feature|`);
    // The checkpoint is bf16 (8-bit mantissa), which float16 (11-bit) holds exactly unless a weight
    // is below 6.1e-5 (float16 subnormals, rare); so fp16 storage must be nearly as exact as fp32.
    expect(err).toBeLessThan(1e-4);
  });

  it('downscales an image over the package token limit before encoding, as the reference processor does', async () => {
    const image = { ...KIMI_VL_IMAGE_DEFAULTS, inTokenLimit: 30 };
    const path = join(dir, 'vision-fp32.onnx');
    await encoder('fp32'); // writes the graph
    const enc = await VisionEncoder.create(path, { vision: config.vision, textHidden: 64, image, session: { intraOpNumThreads: 1 } });
    try {
      const img = randomImage(150, 100, 4); // 10x7 = 70 patches > 30 -> resized to 98x65 -> grid 6x8
      const out = await enc.encode([img]);
      expect(out.grids).toEqual([[6, 8]]);
      const { pixelValues, grids } = preprocessImages([img], image);
      expect(relErr(out.features, visionReference((name) => ckpt.float32(name), config.vision, 64, pixelValues, grids))).toBeLessThan(FP32_TOL);
      await expect(enc.encodePixels(pixelValues.subarray(588), grids)).rejects.toThrow(/hold 47 patches; the grids \[\[6,8\]\] need 48/);
    } finally {
      await enc.release();
    }
  });

  it('opt-in 4-bit encoder blocks: error reported and bounded', async () => {
    const img = randomImage(100, 80, 1);
    const out = await (await encoder('int4', true)).encode([img]);
    const err = relErr(out.features, reference([img]));
    console.log(`vision int4 blocks: max error ${err.toExponential(2)} of max |feature|`);
    // Measured 0.15 here: random Gaussian weights in blocks of 32 real values (K=32 padded to 64) lose
    // ~8% per weight to 4-bit steps, through 8 quantized products. Bounded at twice that; a broken
    // layout (wrong nibble order, scales or zero points) gives errors above 1.
    expect(err).toBeLessThan(0.3);
    expect(err).toBeGreaterThan(FP32_TOL); // it really is quantized
  });

  it('4-bit blocks with int8 activations (convert --vision int4): error reported and bounded', async () => {
    const img = randomImage(100, 80, 1);
    const out = await (await encoder('int4', true, undefined, 4)).encode([img]);
    const err = relErr(out.features, reference([img]));
    console.log(`vision int4 blocks, int8 activations: max error ${err.toExponential(2)} of max |feature|`);
    // The same 4-bit steps as above (blocks of 128 here, one per row at K=32) plus 8-bit rounding of
    // each activation row: the activation part adds about 1/255 of a row's range per product.
    expect(err).toBeLessThan(0.3);
    expect(err).toBeGreaterThan(FP32_TOL);
  });

  it('refuses a checkpoint tensor whose shape does not fit the config, naming it', () => {
    const wrong = { ...config.vision, intermediateSize: 40 };
    expect(() => buildVisionGraph({ ...config, vision: wrong }, ckpt, { dtype: 'fp32' })).toThrow(
      /vision_tower\.encoder\.blocks\.0\.mlp\.fc0\.weight has shape \[48,32\], the vision config needs \[40,32\]/,
    );
  });
});

describe('vision host inputs', () => {
  it('orders patches as the 2x2 merger reads them', () => {
    const inputs = visionInputs([[2, 4], [2, 2]], config.vision);
    expect(Array.from(inputs.order)).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 10, 11]);
    expect(Array.from(inputs.imageIds, Number)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('turns even RoPE pairs by the column and odd pairs by the row', () => {
    const inputs = visionInputs([[4, 4]], config.vision);
    const hd = config.vision.hiddenSize / config.vision.numHeads; // 16 -> 8 pairs, 4 frequencies
    const pairs = hd / 2;
    // Position 7 in merger order is group (0, 1), sub-patch (1, 1): row 1, column 3.
    const p = 7;
    expect(inputs.order[p]).toBe(1 * 4 + 3);
    for (let j = 0; j < pairs; j++) {
      const freq = 10000 ** (-(4 * (j >> 1)) / hd);
      const angle = (j % 2 === 0 ? 3 : 1) * freq;
      expect(inputs.ropeCos[p * pairs + j]).toBeCloseTo(Math.cos(angle), 6);
      expect(inputs.ropeSin[p * pairs + j]).toBeCloseTo(Math.sin(angle), 6);
    }
  });

  it('bicubic taps: identity at equal size, PyTorch weights otherwise, always summing to 1', () => {
    const same = torchBicubicTaps(4, 4);
    for (let o = 0; o < 4; o++) {
      expect(Array.from(same.weight.subarray(o * 4, o * 4 + 4))).toEqual([0, 1, 0, 0]);
      expect(same.index[o * 4 + 1]).toBe(o);
    }
    // 4 -> 8: output 0 samples at -0.25 (t = 0.75 from index -1, clamped to 0).
    const up = torchBicubicTaps(4, 8);
    expect(Array.from(up.index.subarray(0, 4))).toEqual([0, 0, 0, 1]);
    expect(up.weight[1]).toBeCloseTo(((-0.75 + 2) * 0.75 - (-0.75 + 3)) * 0.75 * 0.75 + 1, 12);
    for (let o = 0; o < 8; o++) expect(up.weight.subarray(o * 4, o * 4 + 4).reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
  });

  it('the reference erf agrees with tabulated values', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 13);
    expect(erf(-1)).toBeCloseTo(-0.8427007929497149, 13);
    expect(erf(3.5)).toBeCloseTo(0.9999992569016276, 13);
  });
});
