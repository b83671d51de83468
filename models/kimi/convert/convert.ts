/**
 * Converts a Hugging Face Kimi-VL checkpoint folder into a runtime package.
 * Input: the checkpoint folder (config.json, model.safetensors[.index.json] + shards, tokenizer
 * files) and options (dtype fp32 | fp16 | int4, int4 block size). Output: the package folder:
 *   manifest.json                 see manifest.ts (config values, graph I/O names, sha256 of files)
 *   decoder.onnx + decoder.onnx.data
 *   vision.onnx + vision.onnx.data
 *   embed.bin                     token embeddings [vocab, hidden], source dtype, read by decoder.ts
 *   tiktoken.model, tokenizer_config.json, chat_template.jinja, preprocessor_config.json (copied)
 * Weights stream from the shards a few MB at a time straight into the external data files, so the
 * checkpoint is never held in memory (peak RSS is measured by test/bench/kimi-convert.bench.ts).
 * manifest.json is written last: a conversion that stops half-way leaves no manifest, and the
 * runtime refuses such a folder.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExternalDataWriter } from '../../onnx/external-data.ts';
import { GraphBuilder } from '../../onnx/builder.ts';
import { Checkpoint } from '../../safetensors/reader.ts';
import { toFloat32 } from '../../safetensors/dtype.ts';
import { ConfigError, isMoeLayer, readKimiConfig, type KimiConfig } from '../config.ts';
import { StackedSource } from './sources.ts';
import { buildDecoderGraph, defaultMoeMode, defineExpertStacks, type AttentionMode, type MoeMode } from './decoder-graph.ts';
import { MANIFEST_FORMAT, type KimiManifest } from '../manifest.ts';
import { defaultBlockSize, WeightWriter, type WeightDtype } from './quantize-linear.ts';
import { buildVisionGraph } from './vision-graph.ts';

export interface ConvertOptions {
  dtype?: WeightDtype;
  /** int4 block size along K (default defaultBlockSize(accuracyLevel): 64, 128 with int8 activations; 0.32 of the bf16 size for the real model at 64). */
  blockSize?: number;
  /** Routed-expert execution (decoder-graph.ts); default 'fused' for fp32, 'per-expert' for fp16/int4. */
  moe?: MoeMode;
  /** MLA cache layout (decoder-graph.ts); default 'absorbed'. */
  attention?: AttentionMode;
  /** New tokens per call from which attention runs in the expanded MLA form (decoder-graph.ts); default from the widths (171 for Kimi-VL). */
  mlaExpandFrom?: number;
  /** MatMulNBits accuracy_level of the int4 lm_head alone (default 4, see LM_HEAD_ACCURACY_LEVEL). */
  lmHeadAccuracyLevel?: number;
  /** MatMulNBits accuracy_level for int4 (0: float32 compute, exact to the dequantized weights;
   * 4: int8 activations, faster on CPU, adds activation rounding). Default 0. */
  accuracyLevel?: number;
  /** Bytes of float32 rows converted at a time (default 16 MiB); tests make it tiny to cross chunk edges. */
  chunkBytes?: number;
  /**
   * Vision encoder blocks as 4-bit weights with int8 activations (MatMulNBits, accuracy level 4):
   * a faster tower whose image features move (measured by npm run bench -- kimi-phases); default off,
   * the tower stays 16-bit in int4 packages.
   */
  visionInt4?: boolean;
  /** Skip the vision graph (text-only package; for tests and benchmarks of the decoder). */
  skipVision?: boolean;
  onProgress?: (message: string) => void;
}

const LM = 'language_model.model';

/**
 * The int4 lm_head reads int8 activations by default: it only ever sees a few rows (the logits
 * asked for), where MLAS's float path spends its time dequantizing 168 MB of 4-bit weights per
 * token. At the real widths a decode step went from 63 to 39 CPU ms; the logits moved by 0.9 % of
 * the largest, less than 4-bit weights move them (test/kimi/decoder-int4.test.ts).
 */
const LM_HEAD_ACCURACY_LEVEL = 4;

/** Every tensor name the decoder needs, to fail before writing anything. */
export function requiredDecoderTensors(cfg: KimiConfig): string[] {
  const t = cfg.text;
  const names = [`${LM}.embed_tokens.weight`, `${LM}.norm.weight`, 'language_model.lm_head.weight'];
  for (let l = 0; l < t.numLayers; l++) {
    const p = `${LM}.layers.${l}`;
    names.push(`${p}.input_layernorm.weight`, `${p}.post_attention_layernorm.weight`);
    for (const a of ['q_proj', 'kv_a_proj_with_mqa', 'kv_a_layernorm', 'kv_b_proj', 'o_proj']) names.push(`${p}.self_attn.${a}.weight`);
    if (!isMoeLayer(t, l)) {
      for (const m of ['gate_proj', 'up_proj', 'down_proj']) names.push(`${p}.mlp.${m}.weight`);
      continue;
    }
    names.push(`${p}.mlp.gate.weight`, `${p}.mlp.gate.e_score_correction_bias`);
    for (let e = 0; e < t.nRoutedExperts; e++) for (const m of ['gate_proj', 'up_proj', 'down_proj']) names.push(`${p}.mlp.experts.${e}.${m}.weight`);
    if (t.nSharedExperts > 0) for (const m of ['gate_proj', 'up_proj', 'down_proj']) names.push(`${p}.mlp.shared_experts.${m}.weight`);
  }
  return names;
}

function checkShapes(ck: Checkpoint, cfg: KimiConfig, dir: string): void {
  const t = cfg.text;
  const missing = requiredDecoderTensors(cfg).filter((n) => !ck.has(n));
  if (missing.length > 0) {
    throw new ConfigError(`${dir}: checkpoint lacks ${missing.length} tensor(s) the config needs, e.g. ${missing.slice(0, 3).join(', ')}`);
  }
  const expect = (name: string, shape: number[]) => {
    const got = ck.info(name).shape;
    if (got.join(",") !== shape.join(",")) throw new ConfigError(`${dir}: tensor ${name} has shape [${got}], config.json implies [${shape}]`);
  };
  expect(`${LM}.embed_tokens.weight`, [t.vocabSize, t.hiddenSize]);
  expect('language_model.lm_head.weight', [t.vocabSize, t.hiddenSize]);
  expect(`${LM}.layers.0.self_attn.q_proj.weight`, [t.numHeads * (t.qkNopeHeadDim + t.qkRopeHeadDim), t.hiddenSize]);
  expect(`${LM}.layers.0.self_attn.kv_a_proj_with_mqa.weight`, [t.kvLoraRank + t.qkRopeHeadDim, t.hiddenSize]);
  expect(`${LM}.layers.0.self_attn.kv_b_proj.weight`, [t.numHeads * (t.qkNopeHeadDim + t.vHeadDim), t.kvLoraRank]);
  expect(`${LM}.layers.0.self_attn.o_proj.weight`, [t.hiddenSize, t.numHeads * t.vHeadDim]);
}

function sha256File(path: string): { size: number; sha256: string } {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = new Uint8Array(8 * 1024 * 1024);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return { size: statSync(path).size, sha256: hash.digest('hex') };
}

/** Embedding table rows into embed.bin, in the source dtype when it is a 16/32-bit float. */
function writeEmbed(ck: Checkpoint, outDir: string): KimiManifest['embed'] & { hash: { size: number; sha256: string } } {
  const name = `${LM}.embed_tokens.weight`;
  const info = ck.info(name);
  const dtype = info.dtype === 'BF16' || info.dtype === 'F16' || info.dtype === 'F32' ? info.dtype : 'F32';
  const w = new ExternalDataWriter(join(outDir, 'embed.bin'));
  const [rows, cols] = info.shape;
  const per = Math.max(1, Math.floor((8 * 1024 * 1024) / (cols * 4)));
  w.begin();
  for (let r = 0; r < rows; r += per) {
    const end = Math.min(rows, r + per);
    const bytes = ck.bytes(name, r, end);
    w.append(dtype === info.dtype ? bytes : new Uint8Array(toFloat32(info.dtype, bytes).buffer));
  }
  w.end();
  return { file: 'embed.bin', dtype, shape: [rows, cols], hash: w.close() };
}

function revisionOf(dir: string): string | undefined {
  const m = /snapshots\/([0-9a-f]{40})/.exec(resolve(dir));
  if (m) return m[1];
  const ref = join(dir, '.git', 'HEAD');
  if (existsSync(ref)) {
    const head = readFileSync(ref, 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
  }
  return undefined;
}

export async function convertKimiVl(hfDir: string, outDir: string, opts: ConvertOptions = {}): Promise<KimiManifest> {
  const dtype = opts.dtype ?? 'int4';
  const blockSize = opts.blockSize ?? defaultBlockSize(opts.accuracyLevel);
  const log = opts.onProgress ?? (() => {});
  if (resolve(hfDir) === resolve(outDir)) {
    throw new ConfigError(`${outDir}: the package folder must differ from the checkpoint folder (the copies would replace their sources)`);
  }
  const cfg = readKimiConfig(join(hfDir, 'config.json'));
  const ck = Checkpoint.open(hfDir);
  try {
    checkShapes(ck, cfg, hfDir);
    const moeMode: MoeMode = opts.moe ?? defaultMoeMode(dtype);
    const t = cfg.text;
    if (dtype === 'int4' && moeMode === 'fused' && (t.hiddenSize % blockSize !== 0 || t.moeIntermediateSize % blockSize !== 0)) {
      throw new ConfigError(
        `${hfDir}: int4 experts need hidden_size (${t.hiddenSize}) and moe_intermediate_size (${t.moeIntermediateSize}) to be multiples of the block size ${blockSize}; choose a smaller --block-size`,
      );
    }
    mkdirSync(outDir, { recursive: true });
    const files: KimiManifest['files'] = {};

    log('embeddings');
    const embed = writeEmbed(ck, outDir);
    files[embed.file] = embed.hash;

    log(`decoder (${dtype}, ${cfg.text.numLayers} layers)`);
    const decExt = new ExternalDataWriter(join(outDir, 'decoder.onnx.data'));
    const b = new GraphBuilder('kimi_vl_decoder', decExt);
    const src = new StackedSource(ck);
    defineExpertStacks(src, cfg);
    const writer = new WeightWriter(b, src, { dtype, blockSize, chunkBytes: opts.chunkBytes, accuracyLevel: opts.accuracyLevel });
    const moe = moeMode;
    const attention: AttentionMode = opts.attention ?? 'absorbed';
    const dec = buildDecoderGraph(b, cfg, writer, src, { moe, attention, mlaExpandFrom: opts.mlaExpandFrom, lmHeadAccuracyLevel: opts.lmHeadAccuracyLevel ?? LM_HEAD_ACCURACY_LEVEL, onLayer: (l) => log(`decoder layer ${l + 1}/${cfg.text.numLayers}`) });
    files['decoder.onnx.data'] = decExt.close();
    b.save(join(outDir, 'decoder.onnx'), { metadata: { architecture: 'kimi_vl', part: 'decoder', dtype } });
    files['decoder.onnx'] = sha256File(join(outDir, 'decoder.onnx'));

    let vision: KimiManifest['vision'];
    if (!opts.skipVision) {
      log('vision tower');
      const visExt = new ExternalDataWriter(join(outDir, 'vision.onnx.data'));
      const vg = buildVisionGraph(cfg, ck, { dtype, external: visExt, ...(opts.visionInt4 ? { int4Blocks: true, accuracyLevel: 4 } : {}) });
      files['vision.onnx.data'] = visExt.close();
      vg.builder.save(join(outDir, 'vision.onnx'), { metadata: { architecture: 'kimi_vl', part: 'vision', dtype } });
      files['vision.onnx'] = sha256File(join(outDir, 'vision.onnx'));
      vision = { file: 'vision.onnx', data: ['vision.onnx.data'], inputs: [...vg.inputs], outputs: [...vg.outputs], ...(opts.visionInt4 ? { blocks: 'int4' } : {}) };
    }

    log('tokenizer and processor files');
    const tokenizer: KimiManifest['tokenizer'] = {};
    const copies: [keyof KimiManifest['tokenizer'], string][] = [
      ['tiktoken', 'tiktoken.model'],
      ['config', 'tokenizer_config.json'],
      ['chatTemplate', 'chat_template.jinja'],
      ['preprocessor', 'preprocessor_config.json'],
    ];
    for (const [key, file] of copies) {
      if (!existsSync(join(hfDir, file))) {
        log(`warning: ${join(hfDir, file)} not found; the package will lack it`);
        continue;
      }
      // Sources are often read-only (HF cache); the package copy must stay replaceable.
      rmSync(join(outDir, file), { force: true });
      copyFileSync(join(hfDir, file), join(outDir, file));
      chmodSync(join(outDir, file), 0o644);
      files[file] = sha256File(join(outDir, file));
      tokenizer[key] = file;
    }

    const manifest: KimiManifest = {
      format: MANIFEST_FORMAT,
      architecture: 'kimi_vl',
      dtype,
      blockSize: dtype === 'int4' ? blockSize : undefined,
      source: { dir: resolve(hfDir), revision: revisionOf(hfDir) },
      createdAt: new Date().toISOString(),
      config: cfg,
      decoder: {
        file: 'decoder.onnx',
        data: ['decoder.onnx.data'],
        inputs: dec.inputs,
        outputs: dec.outputs,
        numLayers: dec.numLayers,
        kvWidth: dec.kvWidth,
        hidden: dec.hidden,
        vocab: dec.vocab,
        moe,
        attention,
      },
      vision,
      embed: { file: embed.file, dtype: embed.dtype, shape: embed.shape },
      tokenizer,
      files,
    };
    writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    log(`done: ${outDir}`);
    return manifest;
  } finally {
    ck.close();
  }
}
