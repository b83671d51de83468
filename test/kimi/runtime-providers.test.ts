import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../models/onnx/index.ts';
import { compiledExecutionProviders, openSessionWithFallback, parseExecutionProvider } from '../../models/kimi/runtime/providers.ts';

let dir: string;
let model: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'k3-ep-'));
  model = join(dir, 'relu.onnx');
  const b = new GraphBuilder('relu');
  const x = b.input('x', 'float32', [3]);
  b.output(b.op('Relu', [x]), 'float32', [3], 'y');
  b.save(model);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function relu(session: ort.InferenceSession): Promise<number[]> {
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 0, 2]), [3]) });
  return Array.from(out.y.data as Float32Array);
}

describe('execution provider choice', () => {
  it('cpu opens without a note and runs', async () => {
    const { session, choice } = await openSessionWithFallback(model, 'cpu');
    expect(choice).toEqual({ requested: 'cpu', provider: 'cpu', note: undefined });
    expect(await relu(session)).toEqual([0, 0, 2]);
    await session.release();
  });

  it('a provider missing from this build falls back to cpu, saying which providers the build has', async () => {
    const missing = (['dml', 'coreml'] as const).find((p) => !compiledExecutionProviders().includes(p));
    if (!missing) return; // a build with both DirectML and CoreML does not exist
    const { session, choice } = await openSessionWithFallback(model, missing);
    expect(choice.provider).toBe('cpu');
    expect(choice.note).toContain(`${missing} is not in this onnxruntime-node build`);
    expect(choice.note).toContain('falling back to cpu');
    expect(await relu(session)).toEqual([0, 0, 2]);
    await session.release();
  });

  it('a compiled provider that cannot start here (no CUDA libraries / GPU adapter) falls back with the reason', async () => {
    const compiled = compiledExecutionProviders();
    for (const provider of ['cuda', 'webgpu'] as const) {
      if (!compiled.includes(provider)) continue;
      const { session, choice } = await openSessionWithFallback(model, provider);
      // On a machine where the provider does start, there is simply no note.
      if (choice.provider === provider) expect(choice.note).toBeUndefined();
      else expect(choice.note).toMatch(new RegExp(`${provider} (failed to start \\(.+\\)|is not installed \\(.+\\)); .+; falling back to cpu`));
      expect(await relu(session)).toEqual([0, 0, 2]);
      await session.release();
    }
  });

  it('auto settles on something that runs', async () => {
    const { session, choice } = await openSessionWithFallback(model, 'auto');
    expect(['cuda', 'dml', 'coreml', 'cpu']).toContain(choice.provider);
    expect(await relu(session)).toEqual([0, 0, 2]);
    await session.release();
  });

  it('an unknown provider name is refused with the list of names', () => {
    expect(() => parseExecutionProvider('tpu')).toThrow(/unknown execution provider "tpu": use one of auto, cpu, cuda, dml, coreml, webgpu/);
    expect(parseExecutionProvider('CUDA')).toBe('cuda');
  });
});
