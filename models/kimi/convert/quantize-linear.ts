/**
 * WeightWriter: turns checkpoint tensors into graph initializers, streaming rows so no tensor is
 * ever held whole in float32. Input: a GraphBuilder (with an ExternalDataWriter for real models),
 * a WeightSource (a safetensors Checkpoint), and the package dtype; output: graph values.
 * - linear(x, W[, bias]): y = x W^T + bias for a Hugging Face weight W [out, in] and 2-D x [rows, in].
 *   fp32: Gemm(transB=1) on the weight as stored; fp16: fp16 weight + Cast (half the disk, same math);
 *   int4: com.microsoft MatMulNBits (4-bit blocks, float32 scales, packed zero points).
 * - float(name): a float32 initializer (norms, biases, router weights stay float in every dtype).
 */
import type { GraphBuilder } from '../../onnx/builder.ts';
import { float32ToF16 } from '../../safetensors/dtype.ts';
import { int4Layout, quantizeInt4Rows } from './quantize.ts';

export type WeightDtype = 'fp32' | 'fp16' | 'int4';

export interface WeightSource {
  info(name: string): { shape: number[] };
  /** float32 values of rows [start, end) along dim 0 (whole tensor by default). */
  float32(name: string, start?: number, end?: number): Float32Array;
}

/**
 * The int4 block size along K when none is asked for. Float compute (accuracy level 0) keeps 64:
 * finer blocks, and its speed barely depends on the size. With int8 activations (level 4) MLAS
 * rescales every block's integer dot product in float, which at 64 costs as much as the products
 * themselves; 128 (the usual GPTQ/AWQ group size) made a 512-row MatMulNBits 1.4-1.8x faster here.
 */
export function defaultBlockSize(accuracyLevel = 0): number {
  return accuracyLevel >= 4 ? 128 : 64;
}

export interface WeightWriterOptions {
  dtype: WeightDtype;
  /** int4 block size along K (power of two >= 16); default defaultBlockSize(accuracyLevel). */
  blockSize?: number;
  /** Rows converted per chunk are chosen so one chunk is about this many float32 bytes. */
  chunkBytes?: number;
  /** MatMulNBits accuracy_level (0 = float compute; 4 = int8 activations, faster, less exact). */
  accuracyLevel?: number;
}

export class WeightWriter {
  readonly dtype: WeightDtype;
  readonly blockSize: number;
  private readonly chunkBytes: number;
  private readonly accuracyLevel: number;
  private readonly done = new Map<string, string>();

  constructor(
    private readonly b: GraphBuilder,
    private readonly src: WeightSource,
    opts: WeightWriterOptions,
  ) {
    this.dtype = opts.dtype;
    this.accuracyLevel = opts.accuracyLevel ?? 0;
    this.blockSize = opts.blockSize ?? defaultBlockSize(this.accuracyLevel);
    this.chunkBytes = opts.chunkBytes ?? 16 * 1024 * 1024;
  }

  private shape2d(name: string): [number, number] {
    const shape = this.src.info(name).shape;
    if (shape.length < 2) throw new Error(`weight ${name}: expected a matrix, got shape [${shape}]`);
    return [shape[0], shape.slice(1).reduce((a, c) => a * c, 1)];
  }

  /** Calls `fn` with consecutive row chunks of a tensor as float32. */
  private eachChunk(name: string, fn: (rows: Float32Array, start: number, count: number) => void): void {
    const [n, k] = this.shape2d(name);
    const per = Math.max(1, Math.floor(this.chunkBytes / (k * 4)));
    for (let r = 0; r < n; r += per) {
      const end = Math.min(n, r + per);
      fn(this.src.float32(name, r, end), r, end - r);
    }
  }

  /** Streams a tensor into the graph as `type` with dims `dims` (defaults to its own shape). */
  private streamed(name: string, initName: string, convert: (v: Float32Array) => Uint8Array, type: 'float32' | 'float16' | 'uint8', dims?: number[]): string {
    const shape = dims ?? this.src.info(name).shape;
    const ext = this.b.external;
    if (!ext) {
      const parts: Uint8Array[] = [];
      this.eachChunk(name, (rows) => parts.push(convert(rows)));
      const total = parts.reduce((a, p) => a + p.length, 0);
      const all = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      return this.b.initializer(initName, type, shape, all);
    }
    ext.begin();
    this.eachChunk(name, (rows) => ext.append(convert(rows)));
    return this.b.externalInitializer(initName, type, shape, ext.end());
  }

  /** A checkpoint tensor as a float32 initializer (kept float in every dtype). */
  float(name: string, dims?: number[]): string {
    const key = `f:${name}`;
    const hit = this.done.get(key);
    if (hit) return hit;
    const shape = this.src.info(name).shape;
    const out =
      shape.length >= 2
        ? this.streamed(name, name, (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength), 'float32', dims)
        : this.b.initializer(name, 'float32', dims ?? shape, this.src.float32(name));
    this.done.set(key, out);
    return out;
  }

  /**
   * Host-computed float values as a float32 graph value. fp16 and int4 packages store them as
   * float16 + Cast (folded once at session load): half the bytes, and exact for values that came
   * from bf16 weights inside float16's range.
   */
  values(name: string, dims: number[], data: Float32Array): string {
    if (this.dtype === 'fp32') return this.b.initializer(name, 'float32', dims, data);
    const half = this.b.initializer(`${name}_fp16`, 'float16', dims, float32ToF16(data));
    return this.b.op('Cast', [half], { to: 1 }, { name });
  }

  /**
   * y = x W^T (+ bias); x must be 2-D [rows, in]. `into` puts the node in a subgraph of this
   * writer's graph (the weights stay initializers of the main graph, where external data lives).
   */
  linear(x: string, weight: string, bias?: string, opts: { keepFloat?: boolean; into?: GraphBuilder; symmetric?: boolean; accuracyLevel?: number } = {}): string {
    const into = opts.into ?? this.b;
    const [n, k] = this.shape2d(weight);
    const biasInit = bias ? this.float(bias) : undefined;
    const dtype = opts.keepFloat ? 'fp32' : this.dtype;
    if (dtype === 'int4') {
      const [q, scales, zp] = this.int4(weight, n, k, opts.symmetric ?? false);
      const inputs = zp ? [x, q, scales, zp] : [x, q, scales];
      if (biasInit) inputs.push('', biasInit);
      return into.op(
        'MatMulNBits',
        inputs,
        { K: k, N: n, bits: 4, block_size: this.blockSize, accuracy_level: opts.accuracyLevel ?? this.accuracyLevel },
        { domain: 'com.microsoft' },
      );
    }
    let w: string;
    if (dtype === 'fp16') {
      const key = `h:${weight}`;
      w = this.done.get(key) ?? '';
      if (!w) {
        const half = this.streamed(weight, `${weight}_fp16`, (v) => new Uint8Array(float32ToF16(v).buffer), 'float16', [n, k]);
        w = this.b.op('Cast', [half], { to: 1 });
        this.done.set(key, w);
      }
    } else {
      w = this.float(weight, [n, k]);
    }
    return into.op('Gemm', biasInit ? [x, w, biasInit] : [x, w], { transB: 1 });
  }

  /** Packed blocks, scales and (asymmetric only; symmetric means zero point 8) zero points. */
  private int4(weight: string, n: number, k: number, symmetric: boolean): [string, string, string] {
    const key = `q:${weight}`;
    const hit = this.done.get(key);
    if (hit) return hit.split('\n') as [string, string, string];
    const { kBlocks, blobSize, zpBytesPerRow } = int4Layout(n, k, this.blockSize);
    const { packed, scales, zeroPoints } = this.quantizeStream(weight, n, k, symmetric, [n, kBlocks, blobSize]);
    const s = this.b.initializer(`${weight}_scales`, 'float32', [n * kBlocks], scales);
    const z = symmetric ? '' : this.b.initializer(`${weight}_zp`, 'uint8', [n * zpBytesPerRow], zeroPoints);
    this.done.set(key, [packed, s, z].join('\n'));
    return [packed, s, z];
  }

  /** Streams 4-bit blocks of a weight into the graph; scales and zero points come back in memory. */
  private quantizeStream(weight: string, n: number, k: number, symmetric: boolean, dims: number[]) {
    const { kBlocks, zpBytesPerRow } = int4Layout(n, k, this.blockSize);
    const scales = new Float32Array(n * kBlocks);
    const zeroPoints = new Uint8Array(n * zpBytesPerRow);
    let filled = 0;
    const packed = this.streamed(
      weight,
      `${weight}_q4`,
      (rows) => {
        const count = rows.length / k;
        const r = quantizeInt4Rows(rows, count, k, this.blockSize, symmetric);
        scales.set(r.scales, filled * kBlocks);
        zeroPoints.set(r.zeroPoints, filled * zpBytesPerRow);
        filled += count;
        return r.packed;
      },
      'uint8',
      dims,
    );
    return { packed, scales, zeroPoints };
  }

  /**
   * Stacked expert weights [experts * rows, K] for the com.microsoft MoE / QMoE ops:
   * fp32 -> float32 [experts, rows, K]; int4 -> symmetric 4-bit [experts, rows, K/2] plus
   * float32 scales [experts, rows, K/blockSize] (QMoE takes no zero points here).
   */
  experts(weight: string, experts: number): { weights: string; scales?: string } {
    const [n, k] = this.shape2d(weight);
    const rows = n / experts;
    if (this.dtype !== 'int4') {
      return { weights: this.streamed(weight, weight, (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength), 'float32', [experts, rows, k]) };
    }
    if (k % this.blockSize !== 0) {
      throw new Error(`weight ${weight}: K = ${k} must be a multiple of the int4 block size ${this.blockSize} for QMoE`);
    }
    const kBlocks = k / this.blockSize;
    const q = this.quantizeStream(weight, n, k, true, [experts, rows, k / 2]);
    return { weights: q.packed, scales: this.b.initializer(`${weight}_scales`, 'float32', [experts, rows, kBlocks], q.scales) };
  }
}
