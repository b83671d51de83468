/**
 * Kimi-VL config.json reader. Input: the path of a checkpoint's config.json (or its parsed JSON);
 * output: KimiConfig with every value the converter and runtime rely on, validated. Configs this
 * runtime does not implement (another routing method, q_lora_rank set, rope scaling, ...) are
 * refused with an error naming the field, its value and what is supported.
 */
import { readFileSync } from 'node:fs';

export interface KimiTextConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  moeIntermediateSize: number;
  numLayers: number;
  numHeads: number;
  nSharedExperts: number;
  nRoutedExperts: number;
  routedScalingFactor: number;
  kvLoraRank: number;
  qkRopeHeadDim: number;
  qkNopeHeadDim: number;
  vHeadDim: number;
  numExpertsPerTok: number;
  firstKDenseReplace: number;
  moeLayerFreq: number;
  normTopkProb: boolean;
  rmsNormEps: number;
  /** kv_a_layernorm eps: not in config.json upstream (class default 1e-6). */
  kvNormEps: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
  bosTokenId: number;
  eosTokenId: number;
  padTokenId?: number;
}

export interface KimiVisionConfig {
  patchSize: number;
  numHeads: number;
  numLayers: number;
  hiddenSize: number;
  intermediateSize: number;
  posEmbHeight: number;
  posEmbWidth: number;
  mergeKernel: [number, number];
  /** LayerNorm eps (no key upstream; PyTorch default). */
  layerNormEps: number;
}

export interface KimiConfig {
  text: KimiTextConfig;
  vision: KimiVisionConfig;
  mediaPlaceholderTokenId: number;
  /** Source checkpoint dtype as declared (informational). */
  torchDtype?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;

class Reader {
  constructor(
    private readonly file: string,
    private readonly obj: Json,
    private readonly prefix: string,
  ) {}

  private where(key: string): string {
    return `${this.file}: ${this.prefix}${key}`;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  int(key: string, opts: { min?: number; fallback?: number } = {}): number {
    const v = this.obj[key] ?? opts.fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new ConfigError(`${this.where(key)} must be an integer, got ${JSON.stringify(v)}`);
    }
    if (v < (opts.min ?? 1)) throw new ConfigError(`${this.where(key)} must be >= ${opts.min ?? 1}, got ${v}`);
    return v;
  }

  num(key: string, opts: { positive?: boolean; fallback?: number } = {}): number {
    const v = this.obj[key] ?? opts.fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ConfigError(`${this.where(key)} must be a number, got ${JSON.stringify(v)}`);
    }
    if (opts.positive && v <= 0) throw new ConfigError(`${this.where(key)} must be > 0, got ${v}`);
    return v;
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(`${this.where(key)} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  /** The field must be absent or equal one of `allowed` (the values this runtime implements). */
  only(key: string, allowed: unknown[], why: string): void {
    const v = this.obj[key];
    if (v === undefined) return;
    if (!allowed.some((a) => JSON.stringify(a) === JSON.stringify(v))) {
      throw new ConfigError(
        `${this.where(key)} = ${JSON.stringify(v)} is not supported (supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')}); ${why}`,
      );
    }
  }
}

function section(file: string, root: Json, key: string): Json {
  const v = root[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(`${file}: "${key}" must be an object (is this a Kimi-VL config.json?)`);
  }
  return v as Json;
}

export function parseKimiConfig(json: unknown, file = 'config.json'): KimiConfig {
  if (typeof json !== 'object' || json === null) throw new ConfigError(`${file}: not a JSON object`);
  const root = json as Json;
  const top = new Reader(file, root, '');
  top.only('model_type', ['kimi_vl'], 'this converter only handles Kimi-VL checkpoints');
  const t = new Reader(file, section(file, root, 'text_config'), 'text_config.');
  const v = new Reader(file, section(file, root, 'vision_config'), 'vision_config.');

  t.only('q_lora_rank', [null], 'only the direct q_proj (no q LoRA) is implemented, as in Kimi-VL-A3B');
  t.only('topk_method', ['noaux_tc', 'greedy'], 'routing is sigmoid + bias top-k');
  t.only('scoring_func', ['sigmoid'], 'only sigmoid expert scores are implemented');
  t.only('n_group', [1], 'group-limited routing is not implemented');
  t.only('topk_group', [1], 'group-limited routing is not implemented');
  t.only('hidden_act', ['silu'], 'experts are SwiGLU (silu)');
  t.only('rope_scaling', [null], 'RoPE scaling (YaRN etc.) is not implemented');
  t.only('attention_bias', [false], 'attention projections without bias only');
  t.only('tie_word_embeddings', [false], 'the converter expects a separate lm_head');
  t.only('pretraining_tp', [1], 'tensor-parallel slicing of weights is not implemented');
  t.only('ep_size', [1], 'expert parallelism is not implemented');
  v.only('model_type', ['moonvit'], 'the vision tower must be MoonViT');

  const text: KimiTextConfig = {
    vocabSize: t.int('vocab_size'),
    hiddenSize: t.int('hidden_size'),
    intermediateSize: t.int('intermediate_size'),
    moeIntermediateSize: t.int('moe_intermediate_size'),
    numLayers: t.int('num_hidden_layers'),
    numHeads: t.int('num_attention_heads'),
    nSharedExperts: t.int('n_shared_experts', { min: 0, fallback: 0 }),
    nRoutedExperts: t.int('n_routed_experts'),
    routedScalingFactor: t.num('routed_scaling_factor', { positive: true, fallback: 1 }),
    kvLoraRank: t.int('kv_lora_rank'),
    qkRopeHeadDim: t.int('qk_rope_head_dim'),
    qkNopeHeadDim: t.int('qk_nope_head_dim'),
    vHeadDim: t.int('v_head_dim'),
    numExpertsPerTok: t.int('num_experts_per_tok'),
    firstKDenseReplace: t.int('first_k_dense_replace', { min: 0, fallback: 0 }),
    moeLayerFreq: t.int('moe_layer_freq', { fallback: 1 }),
    normTopkProb: t.bool('norm_topk_prob', false),
    rmsNormEps: t.num('rms_norm_eps', { positive: true }),
    kvNormEps: 1e-6,
    ropeTheta: t.num('rope_theta', { positive: true }),
    maxPositionEmbeddings: t.int('max_position_embeddings'),
    bosTokenId: t.int('bos_token_id', { min: 0 }),
    eosTokenId: t.int('eos_token_id', { min: 0 }),
    padTokenId: t.raw('pad_token_id') === undefined || t.raw('pad_token_id') === null ? undefined : t.int('pad_token_id', { min: 0 }),
  };
  const kv = t.int('num_key_value_heads', { fallback: text.numHeads });
  if (kv !== text.numHeads) {
    throw new ConfigError(`${file}: text_config.num_key_value_heads = ${kv} must equal num_attention_heads (${text.numHeads}) for MLA`);
  }
  if (text.moeLayerFreq !== 1) {
    throw new ConfigError(`${file}: text_config.moe_layer_freq = ${text.moeLayerFreq} is not supported (supported: 1)`);
  }
  if (text.numExpertsPerTok > text.nRoutedExperts) {
    throw new ConfigError(`${file}: text_config.num_experts_per_tok = ${text.numExpertsPerTok} exceeds n_routed_experts = ${text.nRoutedExperts}`);
  }
  if (text.firstKDenseReplace > text.numLayers) {
    throw new ConfigError(`${file}: text_config.first_k_dense_replace = ${text.firstKDenseReplace} exceeds num_hidden_layers = ${text.numLayers}`);
  }
  if (text.qkRopeHeadDim % 2 !== 0) {
    throw new ConfigError(`${file}: text_config.qk_rope_head_dim = ${text.qkRopeHeadDim} must be even (RoPE rotates pairs)`);
  }

  const merge = v.raw('merge_kernel_size') ?? [2, 2];
  if (!Array.isArray(merge) || merge.length !== 2 || !merge.every((m) => Number.isInteger(m) && m >= 1)) {
    throw new ConfigError(`${file}: vision_config.merge_kernel_size must be two positive integers, got ${JSON.stringify(merge)}`);
  }
  const vision: KimiVisionConfig = {
    patchSize: v.int('patch_size'),
    numHeads: v.int('num_attention_heads'),
    numLayers: v.int('num_hidden_layers'),
    hiddenSize: v.int('hidden_size'),
    intermediateSize: v.int('intermediate_size'),
    posEmbHeight: v.int('init_pos_emb_height'),
    posEmbWidth: v.int('init_pos_emb_width'),
    mergeKernel: [merge[0] as number, merge[1] as number],
    layerNormEps: 1e-5,
  };
  if (vision.hiddenSize % vision.numHeads !== 0 || (vision.hiddenSize / vision.numHeads) % 4 !== 0) {
    throw new ConfigError(
      `${file}: vision_config.hidden_size = ${vision.hiddenSize} / num_attention_heads = ${vision.numHeads} must give a head size divisible by 4 (2-D RoPE)`,
    );
  }

  const media = top.int('media_placeholder_token_id', { min: 0 });
  if (media >= text.vocabSize) {
    throw new ConfigError(`${file}: media_placeholder_token_id = ${media} is outside text_config.vocab_size = ${text.vocabSize}`);
  }
  const dtype = root['torch_dtype'];
  return { text, vision, mediaPlaceholderTokenId: media, torchDtype: typeof dtype === 'string' ? dtype : undefined };
}

export function readKimiConfig(path: string): KimiConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read (${(e as Error).message}); the checkpoint folder must contain config.json`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseKimiConfig(json, path);
}

/** Whether decoder layer `i` uses MoE (else the dense MLP). */
export function isMoeLayer(t: KimiTextConfig, i: number): boolean {
  return i >= t.firstKDenseReplace && i % t.moeLayerFreq === 0;
}
