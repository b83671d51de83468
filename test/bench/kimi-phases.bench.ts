/**
 * The phases of one agent step at the real Kimi-VL-A3B widths (random weights; 2 decoder layers:
 * dense + MoE; 2 MoonViT blocks), today's decoder graph and the current one side by side:
 *  - text prefill of a 1070-token prompt (one screenshot's worth), last-row logits: fp32, int4,
 *    int4 with --accuracy-level 4. Today: absorbed MLA attention only, one session run, float
 *    lm_head. Current: expanded attention for long runs, 1280-row runs, int8-activation lm_head.
 *  - decode ms per token (int4) after that prompt;
 *  - a 4-screenshot prompt (4312 tokens): prefill time over the 1070-token prefill, and peak RSS of
 *    a process that opens the int4 package, encodes 4 screenshots and prefills them;
 *  - vision of one 1920x1080 screenshot (4128 patches), fp32, the int4 package's 16-bit tower, and
 *    --vision int4 (4-bit blocks, int8 activations) with its image features' error against fp32's.
 * Today's int4 --accuracy-level 4 package has blocks of 64; the current one 128 (defaultBlockSize).
 * Each line gives wall ms at 2 threads (median of 3) and CPU ms; ratios are current / today in this
 * run. On a busy machine trust the CPU figures and the ratios, not the wall times.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '../../models/image.ts';
import { KimiDecoder } from '../../models/kimi/decoder.ts';
import { PackageModel } from '../../models/kimi/runtime/package-model.ts';
import { cachedPackage } from './bench-packages.ts';
import { benchIds, decodeMsPerToken } from './decoder-timing.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);
const THREADS = 2;
const ONE_SHOT = 1070;
const FOUR_SHOTS = 4312;
const RSS_CHILD = 'KIMI_PHASES_RSS_CHILD';
const REAL = { synthetic: 2, visionLayers: 2 };
const TODAY = { mlaExpandFrom: Infinity, lmHeadAccuracyLevel: 0 };


/** A desktop-like 1920x1080 picture; `seed` makes each one different. */
function screenshot(seed: number): RgbImage {
  const data = new Uint8Array(1920 * 1080 * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 31) ^ (i >> 11) ^ seed) & 255;
  return { width: 1920, height: 1080, data };
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed(fn: () => Promise<unknown>, runs = 3): Promise<Timing> {
  await fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wallMs: mid(walls), cpuMs: mid(cpus) };
}

const fmt = (t: Timing) => `${(t.wallMs / 1000).toFixed(2)} s wall, ${(t.cpuMs / 1000).toFixed(2)} CPU s`;

async function prefillTiming(pkg: string, today: boolean, tokens: number): Promise<Timing> {
  const d = await KimiDecoder.open(pkg, { intraOpNumThreads: THREADS, capacity: 8192, prefillChunk: today ? 0 : undefined });
  try {
    return await timed(async () => {
      d.reset();
      await d.prefill({ ids: benchIds(tokens) });
    });
  } finally {
    await d.release();
  }
}

async function decodeMs(pkg: string, today: boolean): Promise<number> {
  const d = await KimiDecoder.open(pkg, { intraOpNumThreads: THREADS, capacity: 2048, prefillChunk: today ? 0 : undefined });
  try {
    return await decodeMsPerToken(d, ONE_SHOT, 16);
  } finally {
    await d.release();
  }
}

/** Child: open the package, encode four screenshots, prefill a 4-screenshot prompt; print peak RSS. */
async function fourShotRss(pkg: string, today: boolean): Promise<void> {
  const model = await PackageModel.open(pkg, { provider: 'cpu', threads: THREADS, prefillChunk: today ? 0 : undefined });
  const vision = await model.encodeImages([0, 1, 2, 3].map(screenshot));
  const embeddings = model.decoder.embed(benchIds(FOUR_SHOTS));
  embeddings.set(vision.features.subarray(0, Math.min(vision.features.length, embeddings.length)));
  await model.decoder.prefill({ embeds: embeddings });
  print(String(process.resourceUsage().maxRSS * 1024));
  await model.dispose();
}

if (process.env[RSS_CHILD]) {
  await fourShotRss(process.argv[2], process.env[RSS_CHILD] === 'today');
  process.exit(0);
}

function peakRssGiB(pkg: string, today: boolean): number {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), pkg], {
    env: { ...process.env, [RSS_CHILD]: today ? 'today' : 'current' },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`phases memory child failed (${child.status}): ${child.stderr.slice(-2000)}`);
  return Number(child.stdout.trim().split('\n').pop()) / 2 ** 30;
}

async function visionTiming(pkg: string): Promise<Timing> {
  const model = await PackageModel.open(pkg, { provider: 'cpu', threads: THREADS });
  let seed = 0;
  try {
    // A new picture each run: the encoder caches features by content.
    return await timed(() => model.encodeImages([screenshot(++seed)]));
  } finally {
    await model.dispose();
  }
}

/** How far a package's image features are from the fp32 tower's on the same screenshot. */
async function featureError(pkg: string, fp32: string): Promise<string> {
  const features = async (dir: string) => {
    const model = await PackageModel.open(dir, { provider: 'cpu', threads: THREADS });
    try {
      return (await model.encodeImages([screenshot(0)])).features;
    } finally {
      await model.dispose();
    }
  };
  const [got, want] = [await features(pkg), await features(fp32)];
  let maxWant = 0;
  let maxDiff = 0;
  let dot = 0;
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < want.length; i++) {
    maxWant = Math.max(maxWant, Math.abs(want[i]));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    dot += got[i] * want[i];
    n1 += got[i] * got[i];
    n2 += want[i] * want[i];
  }
  return `max error ${(maxDiff / maxWant).toExponential(2)} of the largest |feature|, cosine ${(dot / Math.sqrt(n1 * n2)).toFixed(4)} to the fp32 tower's`;
}

export default async function (): Promise<void> {
  const pkgs = {
    fp32: { today: await cachedPackage('phases-fp32-today', REAL, { dtype: 'fp32', ...TODAY }), current: await cachedPackage('phases-fp32', REAL, { dtype: 'fp32' }) },
    int4: { today: await cachedPackage('phases-int4-today', REAL, { dtype: 'int4', ...TODAY }), current: await cachedPackage('phases-int4', REAL, { dtype: 'int4' }) },
    int4acc4: {
      // Today's acc-4 package had the float path's block size.
      today: await cachedPackage('phases-int4acc4-today', REAL, { dtype: 'int4', accuracyLevel: 4, blockSize: 64, ...TODAY, lmHeadAccuracyLevel: 4 }),
      current: await cachedPackage('phases-int4acc4', REAL, { dtype: 'int4', accuracyLevel: 4 }),
    },
  };
  print(`real widths, 2 decoder layers, ${THREADS} threads; current / today in this run`);
  const oneShot: Record<string, { today: Timing; current: Timing }> = {};
  for (const [name, p] of Object.entries(pkgs)) {
    const today = await prefillTiming(p.today, true, ONE_SHOT);
    const current = await prefillTiming(p.current, false, ONE_SHOT);
    oneShot[name] = { today, current };
    print(`  prefill ${ONE_SHOT} tokens, ${name}: today ${fmt(today)}; current ${fmt(current)}; ${(current.wallMs / today.wallMs).toFixed(2)}x wall, ${(current.cpuMs / today.cpuMs).toFixed(2)}x CPU`);
  }
  const decode = { today: await decodeMs(pkgs.int4.today, true), current: await decodeMs(pkgs.int4.current, false) };
  print(`  decode int4 at ${ONE_SHOT} context: today ${decode.today.toFixed(1)} ms/token; current ${decode.current.toFixed(1)} ms/token; ${(decode.current / decode.today).toFixed(2)}x`);
  const four = { today: await prefillTiming(pkgs.int4.today, true, FOUR_SHOTS), current: await prefillTiming(pkgs.int4.current, false, FOUR_SHOTS) };
  const ratio = (k: 'today' | 'current') => `${(four[k].cpuMs / oneShot.int4[k].cpuMs).toFixed(2)}x CPU (${(four[k].wallMs / oneShot.int4[k].wallMs).toFixed(2)}x wall)`;
  print(`  prefill ${FOUR_SHOTS} / ${ONE_SHOT} tokens, int4: today ${ratio('today')}; current ${ratio('current')}`);
  print(`  peak RSS, int4 package, 4 screenshots encoded + ${FOUR_SHOTS}-token prefill: today ${peakRssGiB(pkgs.int4.today, true).toFixed(2)} GiB; current ${peakRssGiB(pkgs.int4.current, false).toFixed(2)} GiB`);
  print(`  vision 1920x1080 (4128 patches): fp32 ${fmt(await visionTiming(pkgs.fp32.current))}; int4 package (16-bit tower) ${fmt(await visionTiming(pkgs.int4.current))}`);
  const int4Vision = await cachedPackage('phases-int4-vision4', REAL, { dtype: 'int4', visionInt4: true });
  print(`  vision, --vision int4 (4-bit blocks, int8 activations): ${fmt(await visionTiming(int4Vision))}; image features ${await featureError(int4Vision, pkgs.fp32.current)}`);
}
