/**
 * GPU check (run by scripts/gpu-check.sh on a machine with a GPU; there is none in CI): for the
 * real-width 2-layer decoder, int4, with routed experts 'dense' (the control-flow-free GPU graph)
 * and 'per-expert' (the CPU default), on each GPU provider that opens here (WebGPU; CUDA when its
 * libraries are present) and on the CPU: where the nodes land, prefill ms for 1070 tokens and
 * decode ms per token, and the largest logit difference from the CPU run of the same package.
 * Prints one line per (package, provider) and a JSON summary last.
 */
import { join } from 'node:path';
import { KimiDecoder } from '../../models/kimi/decoder.ts';
import { nodePlacement } from '../../models/kimi/runtime/node-placement.ts';
import { chooseExecutionProvider, type ExecutionProviderName } from '../../models/kimi/runtime/providers.ts';
import { cachedPackage } from './bench-packages.ts';
import { benchIds, decodeMsPerToken } from './decoder-timing.ts';

async function measure(pkg: string, provider: ExecutionProviderName) {
  const d = await KimiDecoder.open(pkg, { executionProviders: [provider], capacity: 2048 });
  try {
    const ids = benchIds(1070);
    await d.prefill({ ids: ids.slice(0, 64) }); // warm-up
    d.reset();
    const t0 = performance.now();
    const logits = Float32Array.from(await d.prefill({ ids }));
    const prefillMs = performance.now() - t0;
    return { prefillMs, decodeMsPerToken: await decodeMsPerToken(d, ids.length, 32), logits };
  } finally {
    await d.release();
  }
}

/** max |a - b| / max |b|. */
function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

export default async function gpuCheck(): Promise<void> {
  const gpus: ExecutionProviderName[] = [];
  for (const p of ['webgpu', 'cuda'] as const) {
    const choice = await chooseExecutionProvider(p);
    if (choice.provider === p) gpus.push(p);
    else process.stdout.write(`${p}: not available (${choice.note ?? 'fell back'})\n`);
  }
  const summary: Record<string, unknown>[] = [];
  for (const moe of ['dense', 'per-expert'] as const) {
    const pkg = await cachedPackage(`gpu-check-${moe}`, { synthetic: 2 }, { dtype: 'int4', moe, skipVision: true });
    const cpu = await measure(pkg, 'cpu');
    for (const provider of ['cpu', ...gpus] as ExecutionProviderName[]) {
      const r = provider === 'cpu' ? cpu : await measure(pkg, provider);
      const diff = maxRelDiff(r.logits, cpu.logits);
      const placement = nodePlacement(join(pkg, 'decoder.onnx'), provider).map((s) => ({ provider: s.provider, nodes: s.nodes, opTypes: s.opTypes }));
      const line = { moe, provider, prefillMs: Math.round(r.prefillMs), decodeMsPerToken: Number(r.decodeMsPerToken.toFixed(2)), maxLogitDiffVsCpu: Number(diff.toExponential(2)), placement };
      summary.push(line);
      process.stdout.write(`${moe.padEnd(10)} ${provider.padEnd(7)} prefill(1070) ${line.prefillMs} ms, decode ${line.decodeMsPerToken} ms/token, logits vs CPU ${line.maxLogitDiffVsCpu}; ${placement.map((s) => `${s.nodes} on ${s.provider}`).join(', ')}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (process.argv[1]?.endsWith('gpu-check.ts')) await gpuCheck();
