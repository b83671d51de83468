/**
 * agent-step: a scripted 6-step episode through the Kimi engine at the agent's sizes: 1920x1080
 * screenshots (a different one each step), the real Kimi prompt (agent/prompts) with scripted replies
 * as its history, greedy replies of 8 tokens. Per step: prompt tokens, cached tokens (KV prefix reuse),
 * vision / prefill / decode time and peak RSS; today's path and each lever side by side, with ratios
 * against today's path measured in this run. Today's path: the decoder graph with absorbed MLA
 * attention only and a float lm_head, every prompt prefilled from scratch in one run, sliding
 * history. The levers, added one at a time: the current graph (expanded attention for long runs,
 * 1280-row runs, int8-activation lm_head), KV prefix reuse, stable-prefix history, half-scale history;
 * and, apart, stable history with the vision blocks in 4-bit weights and int8 activations (--vision int4),
 * and with the decoder's int4 matmuls on int8 activations (--accuracy-level 4).
 * The model: random weights at the real Kimi-VL-A3B widths, 2 decoder layers (dense, MoE) and 2
 * MoonViT blocks, int4 (built once by bench-packages.ts); AGENT_STEP_SMOKE=1 runs the tiny test
 * package instead (its figures say nothing about speed). Each configuration runs in a child
 * process, so its peak RSS is its own.
 * Then the extra model calls (agent/loop: best-of-n, rethink, verify-done) on the last configuration,
 * each on the prompt its step's own turn has just run: extra tokens generated, prompt rows prefilled
 * again, and time per step, against that step's own model time (a thinking reply there, so rethink
 * has thinking to continue). Each option is measured as the loop runs it, with the same functions.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildPrompt, type PromptStep } from '../../agent/prompts/index.ts';
import type { HistoryMode } from '../../agent/prompts/types.ts';
import { resizeRgb } from '../../agent/image/resize.ts';
import { historyImage } from '../../agent/loop/run-agent.ts';
import { createRgbImage, type RgbImage } from '../../models/image.ts';
import { imageGeometry } from '../../models/kimi/image-processor.ts';
import { KimiEngine } from '../../models/kimi/runtime/engine.ts';
import { collectGeneration, type GenerationResult, type VlmBackend } from '../../models/types.ts';
import { extraSamples } from '../../agent/loop/best-of-n.ts';
import { rethinkTurn } from '../../agent/loop/rethink.ts';
import { verifyRequest } from '../../agent/loop/verify-done.ts';
import { cachedPackage } from './bench-packages.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);
const CHILD = 'AGENT_STEP_BENCH_CHILD';
const STEPS = 6;
const REPLY_TOKENS = 8;
const INSTRUCTION = 'Open the Display settings and set the screen brightness to 50%.';

interface Config {
  name: string;
  /** The package: today's graph, the current one, or the current one with --vision int4 or --accuracy-level 4. */
  graph: 'today' | 'current' | 'vision-int4' | 'int8-activations';
  mode: HistoryMode;
  scale: number;
  reuse: boolean;
  /** Also measure the extra model calls of --samples, --rethink and --verify-done at each step. */
  reasoning?: boolean;
}

/** Best of N as measured here: the step's own reply and this many more. */
const SAMPLES = 3;

/** One option's extra cost at one step. */
interface ExtraFigures {
  kind: 'extra';
  step: number;
  option: string;
  extraTokens: number;
  /** Prompt rows run through the model again (the rest came from the KV cache). */
  prefilled: number;
  extraMs: number;
  /** The step's own turn, for the ratio. */
  ownMs: number;
}

const CONFIGS: Config[] = [
  { name: 'today (absorbed graph, whole prefill, sliding, no reuse)', graph: 'today', mode: 'sliding', scale: 1, reuse: false },
  { name: 'current graph', graph: 'current', mode: 'sliding', scale: 1, reuse: false },
  { name: '+ KV reuse', graph: 'current', mode: 'sliding', scale: 1, reuse: true },
  { name: '+ stable history', graph: 'current', mode: 'stable', scale: 1, reuse: true },
  { name: '+ history x0.5', graph: 'current', mode: 'stable', scale: 0.5, reuse: true },
  { name: 'stable history, KV reuse, --vision int4', graph: 'vision-int4', mode: 'stable', scale: 1, reuse: true },
  { name: 'stable history, KV reuse, --accuracy-level 4', graph: 'int8-activations', mode: 'stable', scale: 1, reuse: true },
];

/** The extra calls are measured on the leanest configuration (stable history, KV reuse). */
const REASONING: Config = { name: 'reasoning options (stable history, KV reuse)', graph: 'current', mode: 'stable', scale: 1, reuse: true, reasoning: true };

/** Today's decoder graph: the same weights converted with absorbed attention only and a float lm_head. */
const TODAY_GRAPH = { mlaExpandFrom: Infinity, lmHeadAccuracyLevel: 0 };

interface StepFigures {
  step: number;
  promptTokens: number;
  cachedTokens: number;
  visionMs: number;
  prefillMs: number;
  decodeMsPerToken: number;
  peakRssBytes: number;
  /** Image tokens of one 1920x1080 screenshot for this package. */
  screenshotTokens: number;
}

/** A 1920x1080 desktop-like picture that differs from step to step (a window moving across). */
function screenshot(step: number): RgbImage {
  const img = createRgbImage(1920, 1080);
  for (let y = 0; y < 1080; y++) {
    for (let x = 0; x < 1920; x++) {
      const i = (y * 1920 + x) * 3;
      const inWindow = x > 200 + step * 150 && x < 1000 + step * 150 && y > 150 && y < 750;
      img.data[i] = inWindow ? 240 : (x >> 3) & 255;
      img.data[i + 1] = inWindow ? 240 : (y >> 2) & 255;
      img.data[i + 2] = inWindow ? 245 : ((x ^ y) >> 4) & 255;
    }
  }
  return img;
}

function scriptedStep(step: number): Omit<PromptStep, 'image'> {
  const x = (0.1 + step * 0.12).toFixed(2);
  return {
    raw: `## Thought:\nThe settings window is open; I look for the Display panel.\n\n## Action:\nClick the item at step ${step}.\n\n## Code:\n\`\`\`python\npyautogui.click(x=${x}, y=0.4)\n\`\`\``,
    thought: 'The settings window is open; I look for the Display panel.',
    summary: `Click the item at step ${step}.`,
    code: `pyautogui.click(x=${x}, y=0.4)`,
  };
}

/** One configuration's episode, in this (child) process: one JSON line per step on stdout. */
async function episode(pkg: string, config: Config): Promise<void> {
  const engine = await KimiEngine.open(pkg, { provider: 'cpu', reusePrefix: config.reuse, ...(config.graph === 'today' ? { prefillChunk: 0 } : {}) });
  const imageSizeFor = (width: number, height: number) => {
    const g = imageGeometry(width, height, engine.info.imageConfig);
    return { width: g.resizedWidth, height: g.resizedHeight };
  };
  const history: PromptStep[] = [];
  for (let step = 1; step <= STEPS; step++) {
    const shot = screenshot(step);
    const size = imageSizeFor(shot.width, shot.height);
    const image = size.width === shot.width && size.height === shot.height ? shot : await resizeRgb(shot, size.width, size.height);
    const request = buildPrompt({ family: 'kimi', instruction: INSTRUCTION, image, history, keepImages: 3, historyMode: config.mode, sampling: { maxNewTokens: REPLY_TOKENS, temperature: 0, ...(config.reasoning ? { thinking: true } : {}) } });
    const ownStart = performance.now();
    const result = await collectGeneration(engine.generate(request));
    const ownMs = performance.now() - ownStart;
    const t = result.timings;
    const figures: StepFigures = {
      step,
      promptTokens: result.usage?.promptTokens ?? 0,
      cachedTokens: result.usage?.cachedTokens ?? 0,
      visionMs: t.visionMs ?? 0,
      prefillMs: t.prefillMs ?? 0,
      decodeMsPerToken: t.decodeTokensPerSecond ? 1000 / t.decodeTokensPerSecond : 0,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      screenshotTokens: (() => {
        const g = imageGeometry(shot.width, shot.height, engine.info.imageConfig);
        return (g.gridH * g.gridW) / 4;
      })(),
    };
    print(JSON.stringify(figures));
    if (config.reasoning) await measureExtras(engine, request, result, image, step, ownMs);
    history.push({ ...scriptedStep(step), image: await historyImage(image, config.scale, { imageSizeFor }) });
  }
  await engine.dispose();
}

/** The extra calls of each option on the prompt the step's own turn just ran, in the order the loop makes them. */
async function measureExtras(engine: KimiEngine, request: ReturnType<typeof buildPrompt>, own: GenerationResult, image: RgbImage, step: number, ownMs: number): Promise<void> {
  const backend: VlmBackend = {
    info: () => ({ spec: 'bench', family: 'kimi', coordinates: 'relative', continuesReplies: true }),
    generate: (r) => engine.generate(r),
    dispose: async () => undefined,
  };
  const report = (option: string, results: GenerationResult[], extraMs: number) => {
    const figures: ExtraFigures = {
      kind: 'extra',
      step,
      option,
      extraTokens: results.reduce((sum, r) => sum + (r.usage?.completionTokens ?? 0), 0),
      prefilled: results.reduce((sum, r) => sum + (r.usage ? r.usage.promptTokens - (r.usage.cachedTokens ?? 0) : 0), 0),
      extraMs,
      ownMs,
    };
    print(JSON.stringify(figures));
  };
  let t = performance.now();
  const samples = await extraSamples(backend, request, SAMPLES, step);
  report(`--samples ${SAMPLES}`, samples, performance.now() - t);
  t = performance.now();
  const { continued } = await rethinkTurn(backend, request, own, { maxTokens: REPLY_TOKENS }, step, () => undefined);
  report('--rethink', [continued], performance.now() - t);
  // A done check is asked on a done only, i.e. once per run: measured at the last step.
  if (step === STEPS) {
    t = performance.now();
    const check = await collectGeneration(engine.generate({ ...verifyRequest(INSTRUCTION, image, undefined, false), sampling: { temperature: 0, maxNewTokens: REPLY_TOKENS } }));
    report('--verify-done', [check], performance.now() - t);
  }
}

if (process.env[CHILD]) {
  await episode(process.argv[2], JSON.parse(process.env[CHILD]) as Config);
  process.exit(0);
}

const REAL_WIDTHS = { synthetic: 2, visionLayers: 2 };

async function smokePackages(): Promise<Record<Config['graph'], string>> {
  const { makeTinyPackage } = await import('../support/kimi-package.ts');
  // Four 1920x1080 screenshots need more than the tiny checkpoint's usual 4096 positions.
  const tiny = { vocabSize: 163840, withTokenizer: true, seed: 3, textOverrides: { max_position_embeddings: 16384 } };
  print('AGENT_STEP_SMOKE: the tiny test package; its times say nothing about speed');
  const current = (await makeTinyPackage(tiny)).pkg;
  return { today: await cachedPackage('agent-step-smoke-today', tiny, { dtype: 'fp32', ...TODAY_GRAPH }), current, 'vision-int4': current, 'int8-activations': current };
}

function run(pkg: string, config: Config): { steps: StepFigures[]; extras: ExtraFigures[] } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), pkg], {
    env: { ...process.env, [CHILD]: JSON.stringify(config) },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (child.status !== 0) throw new Error(`agent-step child (${config.name}) failed (${child.status}): ${child.stderr.slice(-2000)}`);
  const lines = child.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as StepFigures | ExtraFigures);
  return { steps: lines.filter((l): l is StepFigures => !('kind' in l)), extras: lines.filter((l): l is ExtraFigures => 'kind' in l) };
}

const modelMs = (s: StepFigures) => s.visionMs + s.prefillMs + s.decodeMsPerToken * REPLY_TOKENS;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export default async function (): Promise<void> {
  const packages: Record<Config['graph'], string> = process.env.AGENT_STEP_SMOKE
    ? await smokePackages()
    : {
        today: await cachedPackage('agent-step-today', REAL_WIDTHS, { dtype: 'int4', ...TODAY_GRAPH }),
        current: await cachedPackage('agent-step', REAL_WIDTHS, { dtype: 'int4' }),
        'vision-int4': await cachedPackage('agent-step-vision4', REAL_WIDTHS, { dtype: 'int4', visionInt4: true }),
        'int8-activations': await cachedPackage('agent-step-acc4', REAL_WIDTHS, { dtype: 'int4', accuracyLevel: 4 }),
      };
  const results = CONFIGS.map((config) => ({ config, steps: run(packages[config.graph], config).steps }));
  const screenshotTokens = results[0].steps[0].screenshotTokens;
  for (const { config, steps } of results) {
    print(`${config.name}:`);
    for (const s of steps) {
      print(
        `  step ${s.step}: ${s.promptTokens} prompt tokens, ${s.cachedTokens} cached, prefilled ${s.promptTokens - s.cachedTokens} ` +
          `(${((s.promptTokens - s.cachedTokens) / screenshotTokens).toFixed(2)} screenshots), vision ${s.visionMs.toFixed(0)} ms, ` +
          `prefill ${s.prefillMs.toFixed(0)} ms, decode ${s.decodeMsPerToken.toFixed(1)} ms/token, peak RSS ${(s.peakRssBytes / 2 ** 30).toFixed(2)} GiB`,
      );
    }
  }
  // From step 3 on the history is full enough for the levers to matter.
  const today = results[0].steps.filter((s) => s.step >= 3);
  for (const { config, steps } of results.slice(1)) {
    const later = steps.filter((s) => s.step >= 3);
    const prefilled = later.map((s) => s.promptTokens - s.cachedTokens);
    print(
      `${config.name} / today, steps 3-${STEPS}: model time (vision + prefill + decode) ${(mean(later.map(modelMs)) / mean(today.map(modelMs))).toFixed(2)}x, ` +
        `tokens prefilled ${(mean(prefilled) / mean(today.map((s) => s.promptTokens))).toFixed(2)}x (at most ${(Math.max(...prefilled) / screenshotTokens).toFixed(2)} screenshots' worth in one step), ` +
        `peak RSS ${(Math.max(...steps.map((s) => s.peakRssBytes)) / Math.max(...results[0].steps.map((s) => s.peakRssBytes))).toFixed(2)}x`,
    );
  }
  const { extras } = run(packages[REASONING.graph], REASONING);
  print(`${REASONING.name}, extra per step (vs the step's own turn, a thinking reply of ${REPLY_TOKENS} tokens):`);
  for (const option of [...new Set(extras.map((e) => e.option))]) {
    const rows = extras.filter((e) => e.option === option);
    for (const e of rows) {
      print(`  ${option} step ${e.step}: ${e.extraTokens} extra tokens, ${e.prefilled} prompt tokens prefilled again, ${e.extraMs.toFixed(0)} ms (${(e.extraMs / e.ownMs).toFixed(2)}x the step's own turn)`);
    }
    const later = rows.filter((e) => e.step >= 3);
    if (later.length > 1) {
      print(`  ${option}, steps 3-${STEPS}: ${mean(later.map((e) => e.extraTokens)).toFixed(1)} extra tokens, ${mean(later.map((e) => e.prefilled)).toFixed(0)} rows prefilled, ${(mean(later.map((e) => e.extraMs)) / mean(later.map((e) => e.ownMs))).toFixed(2)}x the own turn's time`);
    }
  }
}
