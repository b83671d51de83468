/**
 * Float64 reference forward of the Kimi-VL vision path (MoonViT, patch merger, projector), written
 * straight from the upstream description and independent of the ONNX graph's tricks: images are
 * encoded one at a time in row-major patch order, the position table is interpolated as a whole
 * (rows, then columns), RoPE multiplies complex numbers, and the merger gathers 2x2 groups explicitly.
 * Input: weights by Hugging Face name, the vision config, pixel values [sum L, 3*p*p] and grids.
 * Output: features float64 [sum L/4, textHidden].
 */
import type { KimiVisionConfig } from '../../../models/kimi/config.ts';

export type WeightGetter = (name: string) => Float32Array;

type Mat = Float64Array[];

function linear(x: Mat, w: Float32Array, bias: Float32Array, outDim: number): Mat {
  const inDim = x[0]?.length ?? 0;
  return x.map((row) => {
    const out = new Float64Array(outDim);
    for (let o = 0; o < outDim; o++) {
      let s = bias[o];
      const off = o * inDim;
      for (let i = 0; i < inDim; i++) s += w[off + i] * row[i];
      out[o] = s;
    }
    return out;
  });
}

function layerNorm(row: Float64Array, w: Float32Array, b: Float32Array, eps: number): Float64Array {
  const n = row.length;
  let mean = 0;
  for (const v of row) mean += v;
  mean /= n;
  let varSum = 0;
  for (const v of row) varSum += (v - mean) ** 2;
  const inv = 1 / Math.sqrt(varSum / n + eps);
  return row.map((v, i) => (v - mean) * inv * w[i] + b[i]);
}

const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** erf to ~1e-14: Maclaurin series near 0, continued fraction for erfc further out. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let frac = ax;
  for (let k = 80; k >= 1; k--) frac = ax + k / 2 / frac;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / frac;
  return Math.sign(x) * (1 - erfc);
}
const geluErf = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** PyTorch bicubic (a=-0.75, align_corners=False) resampling of `src` [inSize][*] along its first axis. */
function cubicAlong(src: Mat, outSize: number): Mat {
  const inSize = src.length;
  const A = -0.75;
  const kernel = (d: number): number => {
    const x = Math.abs(d);
    if (x <= 1) return (A + 2) * x ** 3 - (A + 3) * x ** 2 + 1;
    if (x < 2) return A * x ** 3 - 5 * A * x ** 2 + 8 * A * x - 4 * A;
    return 0;
  };
  const out: Mat = [];
  for (let o = 0; o < outSize; o++) {
    const real = (inSize / outSize) * (o + 0.5) - 0.5;
    const base = Math.floor(real);
    const acc = new Float64Array(src[0].length);
    for (let k = -1; k <= 2; k++) {
      const w = kernel(real - (base + k));
      const row = src[Math.min(Math.max(base + k, 0), inSize - 1)];
      for (let i = 0; i < acc.length; i++) acc[i] += w * row[i];
    }
    out.push(acc);
  }
  return out;
}

/** The position table [H, W, C] interpolated to [gh, gw, C], flattened row-major to [gh*gw][C]. */
function interpolatePosTable(table: Float32Array, H: number, W: number, C: number, gh: number, gw: number): Mat {
  // Along H: treat each table row (all W*C values) as one vector.
  const rowsH: Mat = [];
  for (let h = 0; h < H; h++) rowsH.push(Float64Array.from(table.subarray(h * W * C, (h + 1) * W * C)));
  const alongH = cubicAlong(rowsH, gh);
  const out: Mat = [];
  for (let y = 0; y < gh; y++) {
    const cols: Mat = [];
    for (let w = 0; w < W; w++) cols.push(alongH[y].subarray(w * C, (w + 1) * C));
    out.push(...cubicAlong(cols, gw));
  }
  return out;
}

function encodeImage(get: WeightGetter, v: KimiVisionConfig, patches: Mat, gh: number, gw: number): Mat {
  const C = v.hiddenSize;
  const nh = v.numHeads;
  const hd = C / nh;
  const eps = 1e-5;
  let x = linear(patches, get('vision_tower.patch_embed.proj.weight'), get('vision_tower.patch_embed.proj.bias'), C);
  const pos = interpolatePosTable(get('vision_tower.patch_embed.pos_emb.weight'), v.posEmbHeight, v.posEmbWidth, C, gh, gw);
  x = x.map((row, i) => row.map((val, c) => val + pos[i][c]));

  // Complex rotation per patch: pair 2i uses the column (x) angle, pair 2i+1 the row (y) angle.
  const freqs = Array.from({ length: hd / 4 }, (_, i) => 1 / 10000 ** ((4 * i) / hd));
  const rotate = (vec: Float64Array, patch: number): Float64Array => {
    const xPos = patch % gw;
    const yPos = Math.floor(patch / gw);
    const out = new Float64Array(vec.length);
    for (let h = 0; h < nh; h++) {
      for (let k = 0; k < hd / 2; k++) {
        const angle = (k % 2 === 0 ? xPos : yPos) * freqs[k >> 1];
        const re = vec[h * hd + 2 * k];
        const im = vec[h * hd + 2 * k + 1];
        out[h * hd + 2 * k] = re * Math.cos(angle) - im * Math.sin(angle);
        out[h * hd + 2 * k + 1] = re * Math.sin(angle) + im * Math.cos(angle);
      }
    }
    return out;
  };

  for (let layer = 0; layer < v.numLayers; layer++) {
    const p = `vision_tower.encoder.blocks.${layer}`;
    const n0 = x.map((row) => layerNorm(row, get(`${p}.norm0.weight`), get(`${p}.norm0.bias`), eps));
    const qkv = linear(n0, get(`${p}.wqkv.weight`), get(`${p}.wqkv.bias`), 3 * C);
    const q = qkv.map((row, i) => rotate(row.subarray(0, C), i));
    const k = qkv.map((row, i) => rotate(row.subarray(C, 2 * C), i));
    const val = qkv.map((row) => row.subarray(2 * C, 3 * C));
    const attnOut = x.map(() => new Float64Array(C));
    for (let h = 0; h < nh; h++) {
      for (let i = 0; i < x.length; i++) {
        const scores = new Float64Array(x.length);
        let max = -Infinity;
        for (let j = 0; j < x.length; j++) {
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[i][h * hd + d] * k[j][h * hd + d];
          scores[j] = s / Math.sqrt(hd);
          max = Math.max(max, scores[j]);
        }
        let total = 0;
        for (let j = 0; j < x.length; j++) total += scores[j] = Math.exp(scores[j] - max);
        for (let j = 0; j < x.length; j++) {
          const pj = scores[j] / total;
          for (let d = 0; d < hd; d++) attnOut[i][h * hd + d] += pj * val[j][h * hd + d];
        }
      }
    }
    const o = linear(attnOut, get(`${p}.wo.weight`), get(`${p}.wo.bias`), C);
    x = x.map((row, i) => row.map((val2, c) => val2 + o[i][c]));
    const n1 = x.map((row) => layerNorm(row, get(`${p}.norm1.weight`), get(`${p}.norm1.bias`), eps));
    const hidden = linear(n1, get(`${p}.mlp.fc0.weight`), get(`${p}.mlp.fc0.bias`), v.intermediateSize).map((row) => row.map(geluTanh));
    const m = linear(hidden, get(`${p}.mlp.fc1.weight`), get(`${p}.mlp.fc1.bias`), C);
    x = x.map((row, i) => row.map((val2, c) => val2 + m[i][c]));
  }
  return x.map((row) => layerNorm(row, get('vision_tower.encoder.final_layernorm.weight'), get('vision_tower.encoder.final_layernorm.bias'), eps));
}

/** Reference features for pixel values [sum L, 3*p*p] (row-major patches per image). */
export function visionReference(
  get: WeightGetter,
  v: KimiVisionConfig,
  textHidden: number,
  pixelValues: Float32Array,
  grids: [number, number][],
): Float64Array {
  const C = v.hiddenSize;
  const patchLen = 3 * v.patchSize * v.patchSize;
  const merged: Mat = [];
  let offset = 0;
  for (const [gh, gw] of grids) {
    const patches: Mat = [];
    for (let i = 0; i < gh * gw; i++) patches.push(Float64Array.from(pixelValues.subarray((offset + i) * patchLen, (offset + i + 1) * patchLen)));
    offset += gh * gw;
    const x = encodeImage(get, v, patches, gh, gw);
    // view(h/2, 2, w/2, 2, C).permute(0, 2, 1, 3, 4): group (i, j) holds (2i+dy, 2j+dx), dy-major.
    for (let i = 0; i < gh / 2; i++) {
      for (let j = 0; j < gw / 2; j++) {
        const group = new Float64Array(4 * C);
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const sub = layerNorm(x[(2 * i + dy) * gw + 2 * j + dx], get('multi_modal_projector.pre_norm.weight'), get('multi_modal_projector.pre_norm.bias'), 1e-5);
            group.set(sub, (dy * 2 + dx) * C);
          }
        }
        merged.push(group);
      }
    }
  }
  const h1 = linear(merged, get('multi_modal_projector.linear_1.weight'), get('multi_modal_projector.linear_1.bias'), 4 * C).map((row) => row.map(geluErf));
  const out = linear(h1, get('multi_modal_projector.linear_2.weight'), get('multi_modal_projector.linear_2.bias'), textHidden);
  const flat = new Float64Array(out.length * textHidden);
  out.forEach((row, i) => flat.set(row, i * textHidden));
  return flat;
}
