/**
 * manifest.json of a converted Kimi-VL package (written by convert.ts, read by the runtime).
 * Input/output: the KimiManifest object; readManifest() validates the format version and that
 * every listed file exists, naming the field and what to do when something is off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KimiConfig } from './config.ts';

export const MANIFEST_FORMAT = 1;

export interface GraphEntry {
  /** The .onnx file, relative to the package folder. */
  file: string;
  /** External data files of this graph. */
  data: string[];
  inputs: string[];
  outputs: string[];
}

export interface KimiManifest {
  format: number;
  architecture: 'kimi_vl';
  /** Weight format of the big matrices. */
  dtype: 'fp32' | 'fp16' | 'int4';
  /** int4 block size along K (int4 only). */
  blockSize?: number;
  source: { dir: string; revision?: string };
  createdAt: string;
  /** The config values the runtime needs (validated at conversion). */
  config: KimiConfig;
  decoder: GraphEntry & {
    numLayers: number;
    kvWidth: number;
    hidden: number;
    vocab: number;
    /** How routed experts run (see decoder-graph.ts). */
    moe: 'per-expert' | 'fused' | 'dense';
    /** MLA cache layout: 'absorbed' (kvWidth = kv_lora_rank + rope dims) or 'naive' (per-head K|V). */
    attention: 'absorbed' | 'naive';
  };
  /** Vision graph, when the converter had a vision graph builder. */
  vision?: GraphEntry & { /** 'int4': encoder blocks in 4-bit weights with int8 activations (convert --vision int4). */ blocks?: 'int4' } & Record<string, unknown>;
  /** Token embedding table, raw little-endian [vocab, hidden] rows read by the host (decoder.ts). */
  embed: { file: string; dtype: 'BF16' | 'F16' | 'F32'; shape: [number, number] };
  tokenizer: { tiktoken?: string; config?: string; chatTemplate?: string; preprocessor?: string };
  /** Every file of the package with its size and sha256 (hex). */
  files: Record<string, { size: number; sha256: string }>;
}

export function readManifest(dir: string): KimiManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) {
    throw new Error(`${path} not found: ${dir} is not a converted Kimi-VL package (run: deskpilot model convert <hf-dir> <out-dir>)`);
  }
  const m = JSON.parse(readFileSync(path, 'utf8')) as KimiManifest;
  if (m.format !== MANIFEST_FORMAT) {
    throw new Error(`${path}: format ${JSON.stringify(m.format)} is not supported (expected ${MANIFEST_FORMAT}); convert the checkpoint again`);
  }
  if (m.architecture !== 'kimi_vl') throw new Error(`${path}: architecture ${JSON.stringify(m.architecture)} is not "kimi_vl"`);
  for (const file of Object.keys(m.files ?? {})) {
    if (!existsSync(join(dir, file))) throw new Error(`${path}: files lists ${file} but ${join(dir, file)} is missing; copy the whole package folder`);
  }
  return m;
}
