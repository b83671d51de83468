/**
 * GraphBuilder: a small helper for writing ONNX graphs by hand.
 * Input: graph inputs, initializers (typed arrays or raw bytes; large ones go to an
 * ExternalDataWriter when one is given), and ops; output: a ModelProto, or an .onnx file via save().
 *
 *   const b = new GraphBuilder('tiny');
 *   const x = b.input('x', 'float32', ['batch', 4]);
 *   const w = b.initializer('w', 'float32', [4, 2], new Float32Array(8));
 *   b.output(b.op('MatMul', [x, w]), 'float32', ['batch', 2], 'y');
 *   b.save('tiny.onnx');
 *
 * Attribute values: integer numbers become INT, other numbers FLOAT (wrap with f() to force FLOAT);
 * arrays likewise (fs() forces FLOATS); strings STRING; a TensorProto TENSOR; a GraphProto GRAPH.
 */
import { writeFileSync } from 'node:fs';
import type { ExternalDataWriter } from './external-data.ts';
import {
  encodeModel,
  ELEM_BYTES,
  type AttrValue,
  type Dim,
  type ElemType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type OpsetImport,
  type TensorProto,
  type ValueInfo,
} from './proto.ts';

export type AttrInput = number | bigint | string | readonly number[] | readonly string[] | AttrValue | TensorProto | GraphProto;

/** Forces a FLOAT attribute (1 would otherwise be an INT). */
export const f = (value: number): AttrValue => ({ kind: 'float', value });
/** Forces a FLOATS attribute. */
export const fs = (value: readonly number[]): AttrValue => ({ kind: 'floats', value });

function toAttr(v: AttrInput): AttrValue {
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v };
  if (typeof v === 'bigint') return { kind: 'int', value: v };
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return { kind: 'strings', value: v as string[] };
    const nums = v as number[];
    return nums.every((x) => Number.isInteger(x)) ? { kind: 'ints', value: nums } : { kind: 'floats', value: nums };
  }
  const o = v as AttrValue | TensorProto | GraphProto;
  if ('kind' in o) return o;
  if ('nodes' in o) return { kind: 'graph', value: o };
  return { kind: 'tensor', value: o };
}

export type TypedData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

function bytesOf(data: TypedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export interface OpOptions {
  domain?: string;
  /** Name of the (first) output value; default a fresh unique name. */
  name?: string;
}

export const DEFAULT_OPSETS: OpsetImport[] = [
  { domain: '', version: 21 },
  { domain: 'com.microsoft', version: 1 },
];

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  readonly initializers: TensorProto[] = [];
  /** Value names in use, shared with subgraph builders: ONNX wants a name defined once per model. */
  private readonly names: { used: Set<string>; counter: number };
  private constCache = new Map<string, string>();

  /**
   * @param external where initializers of at least `externalThreshold` bytes are written; without
   *   it every initializer is stored inline (fine below 2 GB).
   */
  constructor(
    readonly name: string,
    readonly external?: ExternalDataWriter,
    private readonly externalThreshold = 1024,
    names?: { used: Set<string>; counter: number },
  ) {
    this.names = names ?? { used: new Set(), counter: 0 };
  }

  /**
   * A builder for a subgraph of this graph (an If branch, a Loop body): its nodes may read this
   * graph's values, and its own values are named apart from every other one in the model. Its
   * constants are stored inline in the subgraph.
   */
  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(name, undefined, this.externalThreshold, this.names);
  }

  /** A fresh value name starting with `hint`. */
  fresh(hint = 'v'): string {
    const names = this.names;
    let n = `${hint}_${names.counter++}`;
    while (names.used.has(n)) n = `${hint}_${names.counter++}`;
    names.used.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.used.has(name)) throw new Error(`graph ${this.name}: value name "${name}" is defined twice`);
    this.names.used.add(name);
    return name;
  }

  input(name: string, type: ElemType, shape: readonly Dim[]): string {
    this.inputs.push({ name: this.claim(name), type, shape });
    return name;
  }

  /** Declares `value` a graph output, renaming it through Identity when `name` differs. */
  output(value: string, type: ElemType, shape?: readonly Dim[], name = value): string {
    if (name !== value) this.nodes.push({ opType: 'Identity', inputs: [value], outputs: [this.claim(name)] });
    this.outputs.push({ name, type, shape });
    return name;
  }

  /** Adds a weight from typed data or raw little-endian bytes. */
  initializer(name: string, type: ElemType, dims: readonly number[], data: TypedData): string {
    const raw = bytesOf(data);
    const count = dims.reduce((a, b) => a * b, 1);
    if (type !== 'string' && raw.length !== count * ELEM_BYTES[type]) {
      throw new Error(`graph ${this.name}: initializer ${name} has ${raw.length} bytes, dims [${dims}] of ${type} need ${count * ELEM_BYTES[type]}`);
    }
    if (this.external && raw.length >= this.externalThreshold) {
      return this.externalInitializer(name, type, dims, this.external.write(raw));
    }
    this.initializers.push({ name: this.claim(name), type, dims, raw: raw.slice() });
    return name;
  }

  /** Adds a weight whose bytes were already written to an external data file. */
  externalInitializer(name: string, type: ElemType, dims: readonly number[], ref: TensorProto['external']): string {
    this.initializers.push({ name: this.claim(name), type, dims, external: ref });
    return name;
  }

  /** A shared int64 constant (e.g. axes, shapes); scalars when dims is []. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('int64', values, dims, () => BigInt64Array.from(values, (v) => BigInt(v)));
  }

  /** A shared float32 constant; scalars when dims is []. */
  float32(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('float32', values, dims, () => Float32Array.from(values));
  }

  /** One initializer per distinct (type, dims, values), reused by every later request. */
  private constant(type: 'int64' | 'float32', values: readonly number[], dims: readonly number[], data: () => TypedData): string {
    const key = `${type}:${dims}:${values}`;
    let n = this.constCache.get(key);
    if (!n) {
      n = this.fresh(type === 'int64' ? 'const_i64' : 'const_f32');
      this.names.used.delete(n);
      this.initializer(n, type, dims, data());
      this.constCache.set(key, n);
    }
    return n;
  }

  /** Adds a node with one output and returns that output's name. Use '' for omitted optional inputs. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrInput> = {}, opts: OpOptions = {}): string {
    return this.opN(opType, inputs, 1, attrs, opts)[0];
  }

  /** Adds a node with `outputs` outputs (a count, or names; '' skips an optional output). */
  opN(
    opType: string,
    inputs: readonly string[],
    outputs: number | readonly string[],
    attrs: Record<string, AttrInput> = {},
    opts: OpOptions = {},
  ): string[] {
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) =>
            i === 0 && opts.name ? this.claim(opts.name) : this.fresh(opType.toLowerCase()),
          )
        : outputs.map((o) => (o === '' ? '' : this.claim(o)));
    const attributes: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) attributes[k] = toAttr(v);
    this.nodes.push({
      opType,
      inputs,
      outputs: outs,
      attributes,
      domain: opts.domain,
      name: `${opType}_${this.nodes.length}`,
    });
    return outs;
  }

  graph(): GraphProto {
    return {
      name: this.name,
      nodes: this.nodes,
      inputs: this.inputs,
      outputs: this.outputs,
      initializers: this.initializers,
    };
  }

  model(opts: { opsets?: OpsetImport[]; irVersion?: number; metadata?: Record<string, string> } = {}): ModelProto {
    return {
      irVersion: opts.irVersion ?? 10,
      opsets: opts.opsets ?? DEFAULT_OPSETS,
      graph: this.graph(),
      metadata: opts.metadata,
    };
  }

  /** Encodes the model; pass the path to write it as well. */
  save(path?: string, opts: Parameters<GraphBuilder['model']>[0] = {}): Uint8Array {
    const bytes = encodeModel(this.model(opts));
    if (path) writeFileSync(path, bytes);
    return bytes;
  }
}
