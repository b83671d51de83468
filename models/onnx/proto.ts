/**
 * ONNX message shapes (the subset this project writes) and their protobuf encoding, with field
 * numbers from the ONNX IR spec. Input: plain objects (ModelProto, GraphProto, NodeProto,
 * TensorProto, ...); output: `encodeModel(model)` bytes that onnxruntime loads. Tensors either
 * carry raw little-endian bytes inline or point at an external data file (location/offset/length).
 */
import { ProtoWriter } from './protobuf.ts';

/** ONNX TensorProto.DataType codes. */
export const DataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  bfloat16: 16,
} as const;
export type ElemType = keyof typeof DataType;

/** Bytes per element for the fixed-width types. */
export const ELEM_BYTES: Record<Exclude<ElemType, 'string'>, number> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  float64: 8,
  uint32: 4,
  uint64: 8,
  bfloat16: 2,
};

export interface ExternalRef {
  /** File name relative to the .onnx file's folder. */
  location: string;
  offset: number;
  length: number;
}

export interface TensorProto {
  name: string;
  type: ElemType;
  dims: readonly number[];
  /** Little-endian element bytes, or undefined when `external` is set. */
  raw?: Uint8Array;
  external?: ExternalRef;
}

/** A dimension: a fixed size, or a symbolic name for a dynamic axis. */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  type: ElemType;
  shape?: readonly Dim[];
}

export type AttrValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number | bigint }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorProto }
  | { kind: 'graph'; value: GraphProto }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'ints'; value: readonly (number | bigint)[] }
  | { kind: 'strings'; value: readonly string[] };

export interface NodeProto {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, AttrValue>;
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: TensorProto[];
  valueInfo?: ValueInfo[];
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  opsets: OpsetImport[];
  graph: GraphProto;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8 } as const;

function stringEntry(key: string, value: string): ProtoWriter {
  return new ProtoWriter().string(1, key).string(2, value);
}

export function encodeTensor(t: TensorProto): ProtoWriter {
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedVarints(1, t.dims);
  w.varint(2, DataType[t.type]);
  w.string(8, t.name);
  if (t.external) {
    w.message(13, stringEntry('location', t.external.location));
    w.message(13, stringEntry('offset', String(t.external.offset)));
    w.message(13, stringEntry('length', String(t.external.length)));
    w.varint(14, 1); // data_location = EXTERNAL
  } else {
    w.bytes(9, t.raw ?? new Uint8Array(0));
  }
  return w;
}

function encodeValueInfo(v: ValueInfo): ProtoWriter {
  const tensorType = new ProtoWriter().varint(1, DataType[v.type]);
  if (v.shape) {
    const shape = new ProtoWriter();
    for (const d of v.shape) {
      const dim = new ProtoWriter();
      if (typeof d === 'number') dim.varint(1, d);
      else dim.string(2, d);
      shape.message(1, dim);
    }
    tensorType.message(2, shape);
  }
  const typeProto = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, typeProto);
}

function encodeAttribute(name: string, a: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.varint(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, encodeTensor(a.value));
      break;
    case 'graph':
      w.message(6, encodeGraph(a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedVarints(8, a.value);
      break;
    case 'strings':
      for (const s of a.value) w.string(9, s);
      break;
  }
  w.varint(20, ATTR_TYPE[a.kind]);
  return w;
}

function encodeNode(n: NodeProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, encodeAttribute(k, v));
  if (n.domain) w.string(7, n.domain);
  return w;
}

export function encodeGraph(g: GraphProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const v of g.inputs) w.message(11, encodeValueInfo(v));
  for (const v of g.outputs) w.message(12, encodeValueInfo(v));
  for (const v of g.valueInfo ?? []) w.message(13, encodeValueInfo(v));
  return w;
}

export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter().varint(1, m.irVersion);
  w.string(2, m.producerName ?? 'deskpilot');
  if (m.producerVersion) w.string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  for (const o of m.opsets) w.message(8, new ProtoWriter().string(1, o.domain).varint(2, o.version));
  for (const [k, v] of Object.entries(m.metadata ?? {})) w.message(14, stringEntry(k, v));
  return w.finish();
}
