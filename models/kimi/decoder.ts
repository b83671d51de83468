/**
 * KimiDecoder: host-side wrapper of decoder.onnx with its KV cache (see decoder-graph.ts for the
 * graph I/O). Input: a converted package folder (manifest.json); then
 *   embed(ids)                          -> Float32Array [T, hidden] read from the embed file
 *   prefill({ ids | embeds, positions, logits: 'last' | 'all' | rows }) -> logits [K, vocab]
 *   step(id[, position])                -> logits [vocab] for one new token
 * Each call appends its tokens' cache rows ([kv_a_layernorm(c) | rotated k_pe] per layer) to
 * per-layer buffers owned here, so a call sends only views of those buffers and receives only
 * the new rows. Positions default to cache length + i. truncate(n) rolls the cache back.
 * session.run blocks its thread: run this inside a worker_thread (the runtime does).
 *
 * int4 experts: which onnxruntime QMoE path runs them is decided at session creation (see
 * expert-kernel.ts); `expertKernel` says which one this decoder got.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { toFloat32, ST_BYTES } from '../safetensors/dtype.ts';
import { DECODER_INPUTS, DECODER_OUTPUTS } from './graph-io.ts';
import { expertKernelFor, withExpertKernel, type ExpertKernel } from './expert-kernel.ts';
import { readManifest, type KimiManifest } from './manifest.ts';

export interface DecoderOptions {
  /** onnxruntime execution providers in order of preference (default ['cpu']). */
  executionProviders?: ort.InferenceSession.SessionOptions['executionProviders'];
  intraOpNumThreads?: number;
  /** Initial cache capacity in tokens (grows by doubling). */
  capacity?: number;
  /** Override the expert kernel path (benchmarks); default expertKernelFor(manifest). */
  expertKernel?: ExpertKernel;
  /** Longest run of tokens sent in one session run (default 1280); 0 sends a prefill whole. */
  prefillChunk?: number;
}

/**
 * A long prefill runs in chunks, each attending to the cache the earlier ones left: the attention
 * temporaries stay [heads, chunk, context] instead of [heads, T, T], the masked-out half of the
 * score matrix is mostly never computed, and chunks that need no logits skip the lm_head.
 * Each run also expands K and V of the whole cached context again (the expanded MLA form), so an agent
 * step's new tokens (one screenshot and its text, about 1100-1250 rows) go in one run: 1280 rows made
 * such a step after 3100 cached rows about 10 % faster than 512 here, and a 4312-token prefill 5 %;
 * at that context a score tensor is 16 x 1280 x 4312 floats, 350 MB.
 */
const DEFAULT_PREFILL_CHUNK = 1280;

export interface PrefillInput {
  /** Token ids (embedded on the host) ... */
  ids?: ArrayLike<number>;
  /** ... or ready embeddings [T, hidden] (e.g. with image features placed). */
  embeds?: Float32Array;
  /** Absolute positions, default cache length + i. */
  positions?: ArrayLike<number>;
  /** Which rows of this call to return logits for: 'last' (default), 'all', or row indices. */
  logits?: 'last' | 'all' | number[];
}

export class KimiDecoder {
  readonly hidden: number;
  readonly vocab: number;
  readonly numLayers: number;
  readonly kvWidth: number;
  private cache: Float32Array[];
  private capacity: number;
  private len = 0;
  private embedFd: number;

  private constructor(
    readonly manifest: KimiManifest,
    private readonly session: ort.InferenceSession,
    dir: string,
    capacity: number,
    readonly expertKernel: ExpertKernel,
    /** Longest run of tokens in one session run (0: a prefill goes whole). */
    readonly prefillChunk: number,
  ) {
    const d = manifest.decoder;
    this.hidden = d.hidden;
    this.vocab = d.vocab;
    this.numLayers = d.numLayers;
    this.kvWidth = d.kvWidth;
    this.capacity = capacity;
    this.cache = Array.from({ length: this.numLayers }, () => new Float32Array(capacity * this.kvWidth));
    this.embedFd = openSync(join(dir, manifest.embed.file), 'r');
  }

  static async open(dir: string, opts: DecoderOptions = {}): Promise<KimiDecoder> {
    const manifest = readManifest(dir);
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: opts.executionProviders ?? ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
    if (opts.intraOpNumThreads !== undefined) options.intraOpNumThreads = opts.intraOpNumThreads;
    const kernel = opts.expertKernel ?? expertKernelFor(manifest);
    const session = await withExpertKernel(kernel, () => ort.InferenceSession.create(join(dir, manifest.decoder.file), options));
    return new KimiDecoder(manifest, session, dir, opts.capacity ?? 256, kernel, opts.prefillChunk ?? DEFAULT_PREFILL_CHUNK);
  }

  /** Tokens in the cache. */
  get length(): number {
    return this.len;
  }

  /** Embedding rows for `ids`: float32 [ids.length, hidden]. */
  embed(ids: ArrayLike<number>): Float32Array {
    const { dtype, shape } = this.manifest.embed;
    const rowBytes = shape[1] * ST_BYTES[dtype];
    const out = new Float32Array(ids.length * this.hidden);
    const row = new Uint8Array(rowBytes);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= shape[0]) throw new Error(`decoder.embed: token id ${id} is outside the vocabulary [0, ${shape[0]})`);
      readSync(this.embedFd, row, 0, rowBytes, id * rowBytes);
      out.set(toFloat32(dtype, row), i * this.hidden);
    }
    return out;
  }

  private ensure(total: number): void {
    if (total <= this.capacity) return;
    let cap = this.capacity;
    while (cap < total) cap *= 2;
    this.cache = this.cache.map((old) => {
      const next = new Float32Array(cap * this.kvWidth);
      next.set(old.subarray(0, this.len * this.kvWidth));
      return next;
    });
    this.capacity = cap;
  }

  /** Runs new tokens after the cached ones; returns logits [K, vocab] for the requested rows. */
  async prefill(input: PrefillInput): Promise<Float32Array> {
    const embeds = input.embeds ?? (input.ids ? this.embed(input.ids) : undefined);
    if (!embeds) throw new Error('decoder.prefill: give ids or embeds');
    if (embeds.length % this.hidden !== 0) throw new Error(`decoder.prefill: embeds length ${embeds.length} is not a multiple of hidden ${this.hidden}`);
    const T = embeds.length / this.hidden;
    if (T === 0) throw new Error('decoder.prefill: no tokens');
    if (input.positions && input.positions.length !== T) throw new Error(`decoder.prefill: ${input.positions.length} positions for ${T} tokens`);
    const positions = Array.from({ length: T }, (_, i) => (input.positions ? input.positions[i] : this.len + i));
    const want = input.logits ?? 'last';
    const rows = want === 'last' ? [T - 1] : want === 'all' ? Array.from({ length: T }, (_, i) => i) : want;
    for (const r of rows) if (!Number.isInteger(r) || r < 0 || r >= T) throw new Error(`decoder.prefill: logit row ${r} is outside 0..${T - 1}`);

    const chunk = this.prefillChunk > 0 ? this.prefillChunk : T;
    if (T <= chunk) return this.run(embeds, positions, rows); // a decode step, or a short prefill: one run
    const logits = new Float32Array(rows.length * this.vocab);
    for (let start = 0; start < T; start += chunk) {
      const end = Math.min(T, start + chunk);
      const picked = rows.flatMap((r, k) => (r >= start && r < end ? [k] : []));
      const out = await this.run(embeds.subarray(start * this.hidden, end * this.hidden), positions.slice(start, end), picked.map((k) => rows[k] - start));
      picked.forEach((k, i) => logits.set(out.subarray(i * this.vocab, (i + 1) * this.vocab), k * this.vocab));
    }
    return logits;
  }

  /** One session run over `embeds` after the cache; appends their cache rows; logits of `rows`. */
  private async run(embeds: Float32Array, positions: number[], rows: number[]): Promise<Float32Array> {
    const T = positions.length;
    const feeds: Record<string, ort.Tensor> = {
      [DECODER_INPUTS.embeds]: new ort.Tensor('float32', embeds, [1, T, this.hidden]),
      [DECODER_INPUTS.positions]: new ort.Tensor('int64', BigInt64Array.from(positions, (p) => BigInt(p)), [1, T]),
      [DECODER_INPUTS.logitPositions]: new ort.Tensor('int64', BigInt64Array.from(rows, (r) => BigInt(r)), [rows.length]),
    };
    for (let l = 0; l < this.numLayers; l++) {
      feeds[DECODER_INPUTS.past(l)] = new ort.Tensor('float32', this.cache[l].subarray(0, this.len * this.kvWidth), [this.len, this.kvWidth]);
    }
    const out = await this.session.run(feeds);
    const newKv = out[DECODER_OUTPUTS.newKv].data as Float32Array;
    this.ensure(this.len + T);
    for (let l = 0; l < this.numLayers; l++) {
      this.cache[l].set(newKv.subarray(l * T * this.kvWidth, (l + 1) * T * this.kvWidth), this.len * this.kvWidth);
    }
    this.len += T;
    return out[DECODER_OUTPUTS.logits].data as Float32Array;
  }

  /** One token after the cache; returns its logits [vocab]. */
  async step(id: number, position?: number): Promise<Float32Array> {
    return this.prefill({ ids: [id], positions: position === undefined ? undefined : [position] });
  }

  /** Forgets cached tokens from `n` on (e.g. to reuse a shared prompt prefix). */
  truncate(n: number): void {
    if (n < 0 || n > this.len) throw new Error(`decoder.truncate: ${n} is outside 0..${this.len}`);
    this.len = n;
  }

  reset(): void {
    this.len = 0;
  }

  async release(): Promise<void> {
    closeSync(this.embedFd);
    await this.session.release();
  }
}
