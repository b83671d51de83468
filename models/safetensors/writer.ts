/**
 * safetensors writer (used by tests and fixture generators). Input: named tensors (dtype, shape,
 * little-endian bytes) and an optional shard size; output: model.safetensors, or shards
 * model-0000i-of-0000n.safetensors plus model.safetensors.index.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ST_BYTES, type StDtype } from './dtype.ts';

export interface StTensor {
  name: string;
  dtype: StDtype;
  shape: number[];
  data: Uint8Array;
}

export function encodeSafetensors(tensors: StTensor[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1) * ST_BYTES[t.dtype];
    if (n !== t.data.length) throw new Error(`safetensors: ${t.name} has ${t.data.length} bytes, shape [${t.shape}] ${t.dtype} needs ${n}`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // keep data 8-byte aligned
  const jsonBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let at = 8 + jsonBytes.length;
  for (const t of tensors) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}

/** Writes a checkpoint folder; with `shards` > 1 the tensors are split in order across that many files. */
export function writeCheckpoint(dir: string, tensors: StTensor[], shards = 1): string[] {
  if (shards <= 1) {
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(tensors));
    return ['model.safetensors'];
  }
  const per = Math.ceil(tensors.length / shards);
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let s = 0; s < shards; s++) {
    const part = tensors.slice(s * per, (s + 1) * per);
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    writeFileSync(join(dir, file), encodeSafetensors(part));
    for (const t of part) {
      weightMap[t.name] = file;
      total += t.data.length;
    }
    files.push(file);
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  return files;
}
