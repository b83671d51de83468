/**
 * Kimi-VL runtime speed, each line a ratio against a baseline measured in this same run:
 *  1. JS overhead per decoded token: loop wall time / time inside the decoder (target <= 1.10), on the
 *     whole-model packages of (5) (real widths, real vocabulary, the real generation loop), and on the
 *     tiny package with the real vocabulary (a millisecond-long step: the worst case for host work).
 *  2. MoE decode cost: 64 experts top-6 vs a layer of 6 experts (all chosen: a dense 6-expert layer)
 *     of the same size, hidden 2048, experts of 1408 (target <= 1.3).
 *  3. Decode time per token with 4096 cached tokens vs with 128 (real attention widths).
 *  4. Prefill and decode tok/s with REAL widths (hidden 2048, MLA 16x(128+64)/512, 64 experts of
 *     1408 top-6 + 2 shared) and one MoE layer, vocab 4096, int4; prefill tok/s / decode tok/s.
 *  5. The whole model: the real config.json with 2 and with 4 decoder layers (a dense first layer,
 *     then MoE), vocab 163840, int4. The difference gives the cost of one MoE layer, from which the
 *     27-layer model's prefill and decode speed is projected (linear in layers; nothing else varies).
 *     Also per-expert branches vs the QMoE kernel (expert-kernel.ts): decode speed and resident memory.
 * Packages come from bench-packages.ts (built once, cached in the temp folder).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KimiDecoder } from '../../models/kimi/decoder.ts';
import type { ExpertKernel } from '../../models/kimi/expert-kernel.ts';
import { collectGeneration } from '../../models/types.ts';
import { KimiEngine } from '../../models/kimi/runtime/engine.ts';
import { generateTokens } from '../../models/kimi/runtime/generate.ts';
import type { TinyOptions } from '../kimi/fixtures/tiny-checkpoint.ts';
import { cachedPackage } from './bench-packages.ts';
import { benchIds, decodeMsPerToken } from './decoder-timing.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);

const RSS_CHILD = 'KIMI_RUNTIME_BENCH_RSS_CHILD';
if (process.env[RSS_CHILD]) {
  const [pkg, expertKernel] = process.argv.slice(2);
  const before = process.memoryUsage().rss;
  const d = await KimiDecoder.open(pkg, { expertKernel: expertKernel as ExpertKernel, capacity: 1024 });
  // 512 tokens choose every expert (48 picks each on average): weights that are mapped from the
  // package or prepared on first use are all resident afterwards, as in a long run.
  await d.prefill({ ids: benchIds(512) });
  for (let i = 0; i < 4; i++) await d.step(i + 1);
  print(String((process.memoryUsage().rss - before) / 2 ** 20));
  process.exit(0);
}

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

export default async function (): Promise<void> {
  // 4 first: its step time is also the baseline that (1) is projected onto.
  const moe64 = await cachedPackage('kimi-moe64', { ...REAL_WIDTHS, nRoutedExperts: 64 }, { dtype: 'int4', skipVision: true });
  const moe6 = await cachedPackage('kimi-moe6', { ...REAL_WIDTHS, nRoutedExperts: 6 }, { dtype: 'int4', skipVision: true });
  const d64 = await KimiDecoder.open(moe64);
  const prompt = Array.from({ length: 256 }, (_, i) => (i * 7) % 4000);
  const prefillMs = await median(3, async () => {
    d64.reset();
    await d64.prefill({ ids: prompt });
  });
  const step64 = await decodeMsPerToken(d64, 128, 16, 4000);
  const prefillTps = (prompt.length / prefillMs) * 1000;
  const decodeTps = 1000 / step64;
  print(`real widths, 1 MoE layer (64x1408 top-6 + 2 shared, MLA 16 heads), int4, vocab 4096:`);
  print(`  prefill ${prefillTps.toFixed(1)} tok/s (256-token prompt), decode ${decodeTps.toFixed(2)} tok/s at 128 context; prefill/decode throughput = ${(prefillTps / decodeTps).toFixed(1)}x`);

  // 2. MoE 64 experts top-6 vs a dense 6-expert layer of the same size.
  const d6 = await KimiDecoder.open(moe6);
  const step6 = await decodeMsPerToken(d6, 128, 16, 4000);
  print(`MoE decode cost, 64 experts top-6 / 6 experts all active: ${(step64 / step6).toFixed(2)}x (target <= 1.3; ${step64.toFixed(1)} vs ${step6.toFixed(1)} ms/token)`);
  await d64.release();

  // 3. Context: 4096 cached tokens vs 128 (attention and cache traffic grow; the experts do not).
  const at128 = await decodeMsPerToken(d6, 128, 12, 4000);
  const at4k = await decodeMsPerToken(d6, 4096, 12, 4000);
  print(`decode per token at 4096 context / at 128: ${(at4k / at128).toFixed(2)}x (${at4k.toFixed(1)} vs ${at128.toFixed(1)} ms/token, 6-expert layer)`);
  await d6.release();

  // 5 and 1: the whole model at the real widths.
  const overheadReal = await wholeModel();

  // 1 on the tiny package: the same loop around a ~2 ms step.
  const { makeTinyPackage } = await import('../support/kimi-package.ts');
  const tiny = await makeTinyPackage();
  const tinyLoop = await loopOverhead(tiny.pkg, 64);
  print(
    `loop wall / decoder time per token (target <= 1.10): real widths ${overheadReal.ratio.toFixed(3)}x ` +
      `(host ${overheadReal.hostMs.toFixed(2)} ms over ${overheadReal.runMs.toFixed(1)} ms in the decoder); ` +
      `tiny model ${tinyLoop.ratio.toFixed(3)}x (host ${tinyLoop.hostMs.toFixed(2)} ms over ${tinyLoop.runMs.toFixed(2)} ms); vocab 163840 in both`,
  );
}

/** The real generation loop (greedy, streamed text, events) for `tokens` tokens: wall time vs time in the decoder. */
async function loopOverhead(pkg: string, tokens: number): Promise<{ ratio: number; hostMs: number; runMs: number }> {
  const engine = await KimiEngine.open(pkg, { provider: 'cpu' });
  try {
    const { prompt } = await engine.prepare({ messages: [{ role: 'user', content: 'benchmark' }] });
    const stats: { decodeMs?: number; decodeRunMs?: number; generatedTokens?: number } = {};
    // No stop ids: random weights may pick an end token early, and every run must take `tokens` steps.
    await collectGeneration(generateTokens(engine.model, engine.model.tokenizer, prompt, { sampling: { maxNewTokens: 4 } }));
    await collectGeneration(generateTokens(engine.model, { ...codecOf(engine), stopIds: [] }, prompt, { sampling: { maxNewTokens: tokens } }, stats));
    const steps = Math.max(1, (stats.generatedTokens ?? 1) - 1);
    return {
      ratio: (stats.decodeMs ?? 0) / (stats.decodeRunMs ?? 1),
      hostMs: ((stats.decodeMs ?? 0) - (stats.decodeRunMs ?? 0)) / steps,
      runMs: (stats.decodeRunMs ?? 0) / steps,
    };
  } finally {
    await engine.dispose();
  }
}

function codecOf(engine: KimiEngine) {
  const t = engine.model.tokenizer;
  return { encode: t.encode.bind(t), streamDecoder: t.streamDecoder.bind(t), stopIds: t.stopIds };
}

/** Resident memory the decoder of `pkg` adds once opened and warmed up, in MiB (in a child process, so nothing earlier is counted). */
function decoderRssMiB(pkg: string, expertKernel: ExpertKernel): number {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), pkg, expertKernel], {
    env: { ...process.env, [RSS_CHILD]: '1' },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`decoder memory child failed (${child.status}): ${child.stderr.slice(-2000)}`);
  return Number(child.stdout.trim().split('\n').pop());
}

async function wholeModel(): Promise<{ ratio: number; hostMs: number; runMs: number }> {
  const pkgs = { 2: await cachedPackage('kimi-real2', { synthetic: 2 }, { dtype: 'int4', skipVision: true }), 4: await cachedPackage('kimi-real4', { synthetic: 4 }, { dtype: 'int4', skipVision: true }) };
  const prompt = benchIds(512);
  const speed: Record<number, { prefillMs: number; stepMs: number }> = {};
  for (const layers of [2, 4] as const) {
    const d = await KimiDecoder.open(pkgs[layers], { capacity: 1024 });
    const prefillMs = await median(3, async () => {
      d.reset();
      await d.prefill({ ids: prompt });
    });
    speed[layers] = { prefillMs, stepMs: await decodeMsPerToken(d, 128, 16) };
    await d.release();
  }
  const moePrefill = (speed[4].prefillMs - speed[2].prefillMs) / 2;
  const moeStep = (speed[4].stepMs - speed[2].stepMs) / 2;
  // 27 layers = the 2-layer model (embeddings, dense layer, one MoE layer, lm_head) + 25 MoE layers.
  const prefill27 = speed[2].prefillMs + 25 * moePrefill;
  const step27 = speed[2].stepMs + 25 * moeStep;
  print(`whole model, real config and vocabulary, int4 (2 and 4 layers measured, 27 projected from their difference):`);
  print(`  one MoE layer: prefill ${((moePrefill / prompt.length) * 1000).toFixed(0)} us/token, decode ${moeStep.toFixed(1)} ms/token; 2-layer model decode ${speed[2].stepMs.toFixed(1)} ms/token`);
  print(`  27 layers: prefill ${((prompt.length / prefill27) * 1000).toFixed(1)} tok/s (512-token prompt), decode ${(1000 / step27).toFixed(2)} tok/s at 128 context`);

  // Expert paths on the 2-layer model: per-expert branches (the default) vs the QMoE kernel's two paths.
  const qmoe = await cachedPackage('kimi-real2-qmoe', { synthetic: 2 }, { dtype: 'int4', moe: 'fused', skipVision: true });
  const timeKernel = async (pkg: string, expertKernel: ExpertKernel) => {
    const d = await KimiDecoder.open(pkg, { expertKernel });
    const ms = await decodeMsPerToken(d, 32, 8);
    await d.release();
    return ms;
  };
  const step = { perExpert: await timeKernel(pkgs[2], 'per-expert'), mlas: await timeKernel(qmoe, 'mlas-q4'), deq: await timeKernel(qmoe, 'dequantize') };
  const rss = { perExpert: decoderRssMiB(pkgs[2], 'per-expert'), mlas: decoderRssMiB(qmoe, 'mlas-q4'), deq: decoderRssMiB(qmoe, 'dequantize') };
  print(
    `  experts, 2-layer model, vs per-expert: decode step QMoE mlas-q4 ${(step.mlas / step.perExpert).toFixed(2)}x, QMoE dequantize ${(step.deq / step.perExpert).toFixed(1)}x; ` +
      `resident memory QMoE mlas-q4 ${(rss.mlas / rss.perExpert).toFixed(2)}x, dequantize ${(rss.deq / rss.perExpert).toFixed(2)}x (per-expert ${rss.perExpert.toFixed(0)} MiB)`,
  );
  const moeRss = (decoderRssMiB(pkgs[4], 'per-expert') - rss.perExpert) / 2;
  print(`  resident memory: ${moeRss.toFixed(0)} MiB per MoE layer; 27 layers projected ${((rss.perExpert + 25 * moeRss) / 1024).toFixed(1)} GiB`);
  return loopOverhead(pkgs[4], 24);
}
