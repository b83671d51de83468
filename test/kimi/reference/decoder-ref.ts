/**
 * Independent float64 reference forward of the Kimi-VL (DeepSeek-V3 style) decoder, written the
 * plain upstream way: naive (non-absorbed) MLA with per-head k_nope/v from kv_b_proj, RoPE by
 * de-interleaving then rotate_half, per-token MoE routing with explicit loops. Input: a checkpoint
 * folder and either token ids or input embeddings [T, hidden] with positions; output: logits
 * [T, vocab] (float64) for every position. Slow by design; for tiny test checkpoints only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Checkpoint } from '../../../models/safetensors/reader.ts';

type Mat = { rows: number; cols: number; d: Float64Array };

interface TextCfg {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  kv_lora_rank: number;
  qk_nope_head_dim: number;
  qk_rope_head_dim: number;
  v_head_dim: number;
  n_routed_experts: number;
  num_experts_per_tok: number;
  n_shared_experts: number;
  first_k_dense_replace: number;
  routed_scaling_factor: number;
  norm_topk_prob: boolean;
  rms_norm_eps: number;
  rope_theta: number;
}

export class DecoderReference {
  readonly cfg: TextCfg;
  private ckpt: Checkpoint;
  private cache = new Map<string, Mat>();

  constructor(dir: string) {
    const root = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { text_config: TextCfg };
    this.cfg = root.text_config;
    this.ckpt = Checkpoint.open(dir);
  }

  close(): void {
    this.ckpt.close();
  }

  /** A weight as float64 [rows, cols] (vectors: rows 1). */
  w(name: string): Mat {
    let m = this.cache.get(name);
    if (!m) {
      const info = this.ckpt.info(name);
      const d = Float64Array.from(this.ckpt.float32(name));
      const rows = info.shape.length === 1 ? 1 : info.shape[0];
      m = { rows, cols: d.length / rows, d };
      this.cache.set(name, m);
    }
    return m;
  }

  embed(ids: readonly number[]): Float64Array[] {
    const e = this.w('language_model.model.embed_tokens.weight');
    return ids.map((id) => e.d.slice(id * e.cols, (id + 1) * e.cols));
  }

  /** Full forward over all positions; returns logits per position. */
  forward(input: { ids?: readonly number[]; embeds?: Float64Array[]; positions?: readonly number[] }): Float64Array[] {
    const c = this.cfg;
    let x = input.embeds ?? this.embed(input.ids ?? []);
    const T = x.length;
    const positions = input.positions ?? Array.from({ length: T }, (_, i) => i);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `language_model.model.layers.${l}`;
      const h = rms(x, this.w(`${p}.input_layernorm.weight`).d, c.rms_norm_eps);
      const a = this.attention(p, h, positions);
      x = x.map((row, t) => add(row, a[t]));
      const h2 = rms(x, this.w(`${p}.post_attention_layernorm.weight`).d, c.rms_norm_eps);
      const f = l < c.first_k_dense_replace ? h2.map((r) => this.mlp(`${p}.mlp`, r)) : h2.map((r) => this.moe(`${p}.mlp`, r));
      x = x.map((row, t) => add(row, f[t]));
    }
    const normed = rms(x, this.w('language_model.model.norm.weight').d, c.rms_norm_eps);
    const head = this.w('language_model.lm_head.weight');
    return normed.map((r) => matvec(head, r));
  }

  private attention(p: string, h: Float64Array[], positions: readonly number[]): Float64Array[] {
    const c = this.cfg;
    const nh = c.num_attention_heads;
    const dn = c.qk_nope_head_dim;
    const dr = c.qk_rope_head_dim;
    const dv = c.v_head_dim;
    const T = h.length;
    const q = h.map((r) => matvec(this.w(`${p}.self_attn.q_proj.weight`), r));
    const ckv = h.map((r) => matvec(this.w(`${p}.self_attn.kv_a_proj_with_mqa.weight`), r));
    const cNorm = rms(
      ckv.map((r) => r.slice(0, c.kv_lora_rank)),
      this.w(`${p}.self_attn.kv_a_layernorm.weight`).d,
      1e-6,
    );
    const kv = cNorm.map((r) => matvec(this.w(`${p}.self_attn.kv_b_proj.weight`), r));
    const kPe = ckv.map((r, t) => rope(r.slice(c.kv_lora_rank), positions[t], c.rope_theta));
    const out: Float64Array[] = [];
    const scale = 1 / Math.sqrt(dn + dr);
    for (let t = 0; t < T; t++) {
      const concat = new Float64Array(nh * dv);
      for (let hd = 0; hd < nh; hd++) {
        const qh = q[t].subarray(hd * (dn + dr), (hd + 1) * (dn + dr));
        const qPe = rope(qh.slice(dn), positions[t], c.rope_theta);
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          const kh = kv[s].subarray(hd * (dn + dv), hd * (dn + dv) + dn);
          let dot = 0;
          for (let i = 0; i < dn; i++) dot += qh[i] * kh[i];
          for (let i = 0; i < dr; i++) dot += qPe[i] * kPe[s][i];
          scores.push(dot * scale);
        }
        const m = Math.max(...scores);
        const ex = scores.map((v) => Math.exp(v - m));
        const sum = ex.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) {
          const vh = kv[s].subarray(hd * (dn + dv) + dn, (hd + 1) * (dn + dv));
          for (let i = 0; i < dv; i++) concat[hd * dv + i] += (ex[s] / sum) * vh[i];
        }
      }
      out.push(matvec(this.w(`${p}.self_attn.o_proj.weight`), concat));
    }
    return out;
  }

  private mlp(p: string, x: Float64Array): Float64Array {
    const g = matvec(this.w(`${p}.gate_proj.weight`), x);
    const u = matvec(this.w(`${p}.up_proj.weight`), x);
    const a = g.map((v, i) => (v / (1 + Math.exp(-v))) * u[i]);
    return matvec(this.w(`${p}.down_proj.weight`), a);
  }

  /** Routing decisions for one token (exposed so tests can check the chosen experts). */
  route(p: string, x: Float64Array): { experts: number[]; weights: number[] } {
    const c = this.cfg;
    const logits = matvec(this.w(`${p}.gate.weight`), x);
    const s = logits.map((v) => 1 / (1 + Math.exp(-v)));
    const bias = this.w(`${p}.gate.e_score_correction_bias`).d;
    const order = Array.from(s, (v, e) => ({ e, key: v + bias[e] })).sort((a, b) => b.key - a.key);
    const experts = order.slice(0, c.num_experts_per_tok).map((o) => o.e);
    let weights = experts.map((e) => s[e]);
    if (c.num_experts_per_tok > 1 && c.norm_topk_prob) {
      const sum = weights.reduce((a, b) => a + b, 0) + 1e-20;
      weights = weights.map((w) => w / sum);
    }
    return { experts, weights: weights.map((w) => w * c.routed_scaling_factor) };
  }

  private moe(p: string, x: Float64Array): Float64Array {
    const { experts, weights } = this.route(p, x);
    let y: Float64Array = new Float64Array(x.length);
    experts.forEach((e, j) => {
      const o = this.mlp(`${p}.experts.${e}`, x);
      y = y.map((v, i) => v + weights[j] * o[i]);
    });
    if (this.cfg.n_shared_experts > 0) y = add(y, this.mlp(`${p}.shared_experts`, x));
    return y;
  }
}

function matvec(m: Mat, x: Float64Array): Float64Array {
  if (x.length !== m.cols) throw new Error(`reference: matvec ${m.rows}x${m.cols} with vector of ${x.length}`);
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    const off = r * m.cols;
    for (let i = 0; i < m.cols; i++) s += m.d[off + i] * x[i];
    out[r] = s;
  }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]);
}

function rms(xs: Float64Array[], w: Float64Array, eps: number): Float64Array[] {
  return xs.map((x) => {
    const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
    const r = 1 / Math.sqrt(ms + eps);
    return x.map((v, i) => w[i] * v * r);
  });
}

/** Upstream RoPE: de-interleave (even dims first, then odd), then x*cos + rotate_half(x)*sin. */
function rope(x: Float64Array, pos: number, theta: number): Float64Array {
  const d = x.length;
  const half = d / 2;
  const de = new Float64Array(d);
  for (let j = 0; j < half; j++) {
    de[j] = x[2 * j];
    de[half + j] = x[2 * j + 1];
  }
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const freq = pos * theta ** (-(2 * (j % half)) / d);
    const rotated = j < half ? -de[j + half] : de[j - half];
    out[j] = de[j] * Math.cos(freq) + rotated * Math.sin(freq);
  }
  return out;
}

/** Largest |got - want| over the largest |want|: how far ONNX logits [T, vocab] are from the reference rows. */
export function relErr(got: Float32Array, want: Float64Array[], vocab: number): number {
  let err = 0;
  let scale = 0;
  want.forEach((row, t) =>
    row.forEach((v, j) => {
      scale = Math.max(scale, Math.abs(v));
      err = Math.max(err, Math.abs(got[t * vocab + j] - v));
    }),
  );
  return err / scale;
}
