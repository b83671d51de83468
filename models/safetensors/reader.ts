/**
 * Streamed safetensors reader. Input: a checkpoint folder holding model.safetensors, or shards listed
 * by model.safetensors.index.json (weight_map: tensor name -> shard file), or one .safetensors file.
 * Output: tensor metadata (dtype, shape) without reading data, and tensor bytes or float32 values of
 * a whole tensor or a range of rows, read with positioned reads so memory stays at one slice.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { isStDtype, ST_BYTES, toFloat32, type StDtype } from './dtype.ts';

export interface TensorInfo {
  name: string;
  dtype: StDtype;
  shape: number[];
  file: string;
  /** Absolute byte offset of the tensor's data in `file`. */
  offset: number;
  byteLength: number;
}

/** Largest header accepted; real headers are a few hundred KB. */
const MAX_HEADER = 100 * 1024 * 1024;

function readExactly(fd: number, file: string, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new Error(`${file}: unexpected end of file at byte ${position + done} (truncated download?)`);
    done += n;
  }
}

/** Reads one .safetensors header; returns its tensors with absolute offsets. */
export function readHeader(file: string): { tensors: TensorInfo[]; metadata: Record<string, string> } {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const head = new Uint8Array(8);
    readExactly(fd, file, head, 0);
    const n = Number(new DataView(head.buffer).getBigUint64(0, true));
    if (n > MAX_HEADER || 8 + n > size) {
      throw new Error(`${file}: header length ${n} is not plausible for a ${size}-byte file; not a safetensors file?`);
    }
    const json = new Uint8Array(n);
    readExactly(fd, file, json, 8);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(new TextDecoder().decode(json)) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${file}: header is not valid JSON (${(e as Error).message})`);
    }
    const base = 8 + n;
    const tensors: TensorInfo[] = [];
    let metadata: Record<string, string> = {};
    for (const [name, v] of Object.entries(parsed)) {
      if (name === '__metadata__') {
        metadata = (v ?? {}) as Record<string, string>;
        continue;
      }
      const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof t.dtype !== 'string' || !isStDtype(t.dtype)) {
        throw new Error(`${file}: tensor ${name} has unsupported dtype ${JSON.stringify(t.dtype)}`);
      }
      const shape = t.shape as number[];
      const [begin, end] = t.data_offsets as [number, number];
      const count = shape.reduce((a, b) => a * b, 1);
      if (end - begin !== count * ST_BYTES[t.dtype] || base + end > size) {
        throw new Error(`${file}: tensor ${name} data_offsets [${begin},${end}] do not fit shape [${shape}] ${t.dtype} or the file size ${size}`);
      }
      tensors.push({ name, dtype: t.dtype, shape, file, offset: base + begin, byteLength: end - begin });
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

export class Checkpoint {
  private readonly byName = new Map<string, TensorInfo>();
  private readonly fds = new Map<string, number>();

  private constructor(readonly dir: string, tensors: TensorInfo[]) {
    for (const t of tensors) this.byName.set(t.name, t);
  }

  /** Opens a checkpoint folder (single file or sharded with an index) or one .safetensors file. */
  static open(path: string): Checkpoint {
    if (statSync(path).isFile()) return new Checkpoint(path, readHeader(path).tensors);
    const index = join(path, 'model.safetensors.index.json');
    if (existsSync(index)) {
      const parsed = JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> };
      if (!parsed.weight_map || typeof parsed.weight_map !== 'object') {
        throw new Error(`${index}: missing "weight_map" (tensor name -> shard file)`);
      }
      const shards = [...new Set(Object.values(parsed.weight_map))];
      const all: TensorInfo[] = [];
      for (const shard of shards) {
        const file = join(path, shard);
        if (!existsSync(file)) throw new Error(`${index}: shard ${shard} is listed but ${file} does not exist`);
        for (const t of readHeader(file).tensors) {
          if (parsed.weight_map[t.name] !== shard) {
            throw new Error(`${index}: tensor ${t.name} is in ${shard} but the index maps it to ${parsed.weight_map[t.name] ?? 'nothing'}`);
          }
          all.push(t);
        }
      }
      for (const name of Object.keys(parsed.weight_map)) {
        if (!all.some((t) => t.name === name)) throw new Error(`${index}: tensor ${name} is listed but not found in its shard`);
      }
      return new Checkpoint(path, all);
    }
    const single = join(path, 'model.safetensors');
    if (existsSync(single)) return new Checkpoint(path, readHeader(single).tensors);
    throw new Error(`${path}: no model.safetensors or model.safetensors.index.json; point at a Hugging Face checkpoint folder`);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  info(name: string): TensorInfo {
    const t = this.byName.get(name);
    if (!t) throw new Error(`checkpoint ${this.dir}: tensor ${name} is missing`);
    return t;
  }

  private fd(file: string): number {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      fd = openSync(file, 'r');
      this.fds.set(file, fd);
    }
    return fd;
  }

  /** Raw bytes of rows [start, end) along the first dimension (whole tensor by default). */
  bytes(name: string, start = 0, end?: number): Uint8Array {
    const t = this.info(name);
    const rows = t.shape.length === 0 ? 1 : t.shape[0];
    const stop = end ?? rows;
    if (start < 0 || stop > rows || start > stop) throw new Error(`checkpoint: rows [${start},${stop}) out of range for ${name} [${t.shape}]`);
    const rowBytes = t.byteLength / Math.max(rows, 1);
    const buf = new Uint8Array((stop - start) * rowBytes);
    readExactly(this.fd(t.file), t.file, buf, t.offset + start * rowBytes);
    return buf;
  }

  /** float32 values of rows [start, end) (whole tensor by default). */
  float32(name: string, start = 0, end?: number): Float32Array {
    return toFloat32(this.info(name).dtype, this.bytes(name, start, end));
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
