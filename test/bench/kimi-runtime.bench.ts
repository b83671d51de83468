/**
 * Kimi-VL runtime speed, each line a ratio against a baseline measured in this same run:
 *  1. JS overhead per decoded token: loop wall time / time inside the decoder (target <= 1.10), on the
 *     tiny package with the REAL vocabulary (163840 logits per token: the worst case for host work),
 *     and projected onto the real-width step time of (4).
 *  2. MoE decode cost: 64 experts top-6 vs a layer of 6 experts (all chosen: a dense 6-expert layer)
 *     of the same size, hidden 2048, experts of 1408 (target <= 1.3).
 *  3. Decode time per token with 4096 cached tokens vs with 128 (real attention widths).
 *  4. Prefill and decode tok/s with REAL widths (hidden 2048, MLA 16x(128+64)/512, 64 experts of
 *     1408 top-6 + 2 shared) and one MoE layer, vocab 4096, int4; prefill tok/s / decode tok/s.
 * Packages are built once (random weights, K1's generator and converter) and cached in the temp dir.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertKimiVl } from '../../models/kimi/convert.ts';
import { KimiDecoder } from '../../models/kimi/decoder.ts';
import { collectGeneration } from '../../models/types.ts';
import { KimiEngine } from '../../models/kimi/runtime/engine.ts';
import { generateTokens } from '../../models/kimi/runtime/generate.ts';
import { argmax } from '../../models/kimi/runtime/sampling.ts';
import { writeTinyCheckpoint, type TinyOptions } from '../kimi/fixtures/tiny-checkpoint.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);

const REAL_WIDTHS: TinyOptions = {
  vocabSize: 4096,
  hiddenSize: 2048,
  numLayers: 1,
  firstKDenseReplace: 0,
  numHeads: 16,
  kvLoraRank: 512,
  qkRopeHeadDim: 64,
  qkNopeHeadDim: 128,
  vHeadDim: 128,
  moeIntermediateSize: 1408,
  numExpertsPerTok: 6,
  nSharedExperts: 2,
  textOverrides: { max_position_embeddings: 8192 },
};

async function cachedPackage(name: string, checkpoint: TinyOptions, dtype: 'fp32' | 'int4'): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify({ checkpoint, dtype })).digest('hex').slice(0, 12);
  const root = join(tmpdir(), `deskpilot-bench-${name}-${key}`);
  if (existsSync(join(root, 'pkg', 'manifest.json'))) return join(root, 'pkg');
  const t0 = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'deskpilot-bench-build-'));
  try {
    writeTinyCheckpoint(join(work, 'hf'), checkpoint);
    await convertKimiVl(join(work, 'hf'), join(work, 'pkg'), { dtype, skipVision: true });
    rmSync(join(work, 'hf'), { recursive: true, force: true });
    renameSync(work, root);
  } finally {
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
  print(`  (built ${name} package in ${((performance.now() - t0) / 1000).toFixed(0)} s; cached at ${root})`);
  return join(root, 'pkg');
}

/** Median ms of `fn` over `n` runs after one warm-up. */
async function median(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)];
}

/** Decode ms per token after a prompt of `context` tokens (prefilled in chunks of 512). */
async function decodeMsAt(decoder: KimiDecoder, context: number, steps: number): Promise<number> {
  decoder.reset();
  for (let done = 0; done < context; ) {
    const n = Math.min(512, context - done);
    await decoder.prefill({ ids: Array.from({ length: n }, (_, i) => (done + i) % 4000) });
    done += n;
  }
  let id = 1;
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    id = argmax(await decoder.step(id));
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(steps / 2)];
}

export default async function (): Promise<void> {
  // 4 first: its step time is also the baseline that (1) is projected onto.
  const moe64 = await cachedPackage('kimi-moe64', { ...REAL_WIDTHS, nRoutedExperts: 64 }, 'int4');
  const moe6 = await cachedPackage('kimi-moe6', { ...REAL_WIDTHS, nRoutedExperts: 6 }, 'int4');
  const d64 = await KimiDecoder.open(moe64);
  const prompt = Array.from({ length: 256 }, (_, i) => (i * 7) % 4000);
  const prefillMs = await median(3, async () => {
    d64.reset();
    await d64.prefill({ ids: prompt });
  });
  const step64 = await decodeMsAt(d64, 128, 16);
  const prefillTps = (prompt.length / prefillMs) * 1000;
  const decodeTps = 1000 / step64;
  print(`real widths, 1 MoE layer (64x1408 top-6 + 2 shared, MLA 16 heads), int4, vocab 4096:`);
  print(`  prefill ${prefillTps.toFixed(1)} tok/s (256-token prompt), decode ${decodeTps.toFixed(2)} tok/s at 128 context; prefill/decode throughput = ${(prefillTps / decodeTps).toFixed(1)}x`);

  // 2. MoE 64 experts top-6 vs a dense 6-expert layer of the same size.
  const d6 = await KimiDecoder.open(moe6);
  const step6 = await decodeMsAt(d6, 128, 16);
  print(`MoE decode cost, 64 experts top-6 / 6 experts all active: ${(step64 / step6).toFixed(2)}x (target <= 1.3; ${step64.toFixed(1)} vs ${step6.toFixed(1)} ms/token)`);
  await d64.release();

  // 3. Context: 4096 cached tokens vs 128 (attention and cache traffic grow; the experts do not).
  const at128 = await decodeMsAt(d6, 128, 12);
  const at4k = await decodeMsAt(d6, 4096, 12);
  print(`decode per token at 4096 context / at 128: ${(at4k / at128).toFixed(2)}x (${at4k.toFixed(1)} vs ${at128.toFixed(1)} ms/token, 6-expert layer)`);
  await d6.release();

  // 1. JS overhead per token of the full loop (sampling over 163840 logits, streaming decode, events).
  const { makeTinyPackage } = await import('../kimi/runtime-fixture.ts');
  const tiny = await makeTinyPackage();
  const engine = await KimiEngine.open(tiny.pkg, { provider: 'cpu' });
  const { prompt: tinyPrompt } = await engine.prepare({ messages: [{ role: 'user', content: 'benchmark' }] });
  const stats: { decodeMs?: number; decodeRunMs?: number; generatedTokens?: number } = {};
  await collectGeneration(generateTokens(engine.model, engine.model.tokenizer, tinyPrompt, { sampling: { maxNewTokens: 8 } }));
  await collectGeneration(generateTokens(engine.model, engine.model.tokenizer, tinyPrompt, { sampling: { maxNewTokens: 64 } }, stats));
  await engine.dispose();
  const steps = (stats.generatedTokens ?? 1) - 1;
  const overheadMs = ((stats.decodeMs ?? 0) - (stats.decodeRunMs ?? 0)) / steps;
  const runMs = (stats.decodeRunMs ?? 0) / steps;
  print(
    `loop wall / decoder time per token: tiny model ${((stats.decodeMs ?? 0) / (stats.decodeRunMs ?? 1)).toFixed(3)}x ` +
      `(host ${overheadMs.toFixed(2)} ms over ${runMs.toFixed(2)} ms in the decoder, vocab 163840); ` +
      `projected onto the real-width step: ${((step64 + overheadMs) / step64).toFixed(3)}x (target <= 1.10)`,
  );
}
