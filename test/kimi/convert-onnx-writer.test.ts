import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ExternalDataWriter, f, GraphBuilder } from '../../models/onnx/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'onnx-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ONNX writer', () => {
  it('writes a graph onnxruntime loads and runs: MatMul + Add + attributes + int64 constants', async () => {
    const b = new GraphBuilder('tiny');
    const x = b.input('x', 'float32', ['n', 3]);
    const w = b.initializer('w', 'float32', [3, 2], Float32Array.from([1, 2, 3, 4, 5, 6]));
    const y = b.op('MatMul', [x, w]);
    const z = b.op('Add', [y, b.float32([0.5], [])]);
    const s = b.op('ReduceSum', [z, b.int64([-1])], { keepdims: 0 });
    const e = b.op('LeakyRelu', [s], { alpha: f(2) });
    b.output(z, 'float32', ['n', 2], 'z');
    b.output(e, 'float32', ['n'], 'e');
    const path = join(dir, 'tiny.onnx');
    b.save(path);
    const session = await ort.InferenceSession.create(path);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 0, -1, 2, 2, 2]), [2, 3]) });
    expect(Array.from(out.z.data as Float32Array)).toEqual([-3.5, -3.5, 18.5, 24.5]);
    // LeakyRelu with alpha 2 (a FLOAT attribute) doubles the negative row sum.
    expect(Array.from(out.e.data as Float32Array)).toEqual([-14, 43]);
  });

  it('stores large initializers in an external data file with aligned offsets and a sha256', async () => {
    const ext = new ExternalDataWriter(join(dir, 'big.onnx.data'));
    const b = new GraphBuilder('big', ext, 16);
    const x = b.input('x', 'float32', [1, 64]);
    const wData = Float32Array.from({ length: 64 * 8 }, (_, i) => (i % 7) - 3);
    const w = b.initializer('w', 'float32', [64, 8], wData);
    const w2 = b.initializer('w2', 'float32', [8, 3], Float32Array.from({ length: 24 }, (_, i) => i / 10));
    b.output(b.op('MatMul', [b.op('MatMul', [x, w]), w2]), 'float32', [1, 3], 'y');
    const { size, sha256 } = ext.close();
    b.save(join(dir, 'big.onnx'));
    expect(b.initializers.every((t) => t.external && t.external.offset % 64 === 0)).toBe(true);
    expect(size).toBe(readFileSync(join(dir, 'big.onnx.data')).length);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    const session = await ort.InferenceSession.create(join(dir, 'big.onnx'));
    const xData = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    const out = await session.run({ x: new ort.Tensor('float32', xData, [1, 64]) });
    const h = Array.from({ length: 8 }, (_, j) => xData.reduce((acc, v, i) => acc + v * wData[i * 8 + j], 0));
    const expected = Array.from({ length: 3 }, (_, k) => h.reduce((acc, v, j) => acc + v * (j * 3 + k) / 10, 0));
    const got = Array.from(out.y.data as Float32Array);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
  });

  it('writes com.microsoft contrib ops (FastGelu) that onnxruntime resolves', async () => {
    const b = new GraphBuilder('contrib');
    const x = b.input('x', 'float32', [4]);
    b.output(b.op('FastGelu', [x], {}, { domain: 'com.microsoft' }), 'float32', [4], 'y');
    const path = join(dir, 'contrib.onnx');
    b.save(path);
    const session = await ort.InferenceSession.create(path);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-2, 0, 1, 3]), [4]) });
    const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    Array.from(out.y.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(gelu([-2, 0, 1, 3][i]), 5));
  });

  it('refuses an initializer whose byte size does not match its dims', () => {
    const b = new GraphBuilder('bad');
    expect(() => b.initializer('w', 'float32', [2, 2], new Float32Array(3))).toThrow(/w has 12 bytes.*need 16/);
  });
});
