/**
 * The agent loop's own cost per step, model time excluded (a script backend answers at once).
 * Baseline: the environment work the loop must do anyway (observe + execute + settle), timed inside
 * the same run through a timing wrapper, so load on a shared machine hits both sides alike.
 * A second line compares whole runs with a bare observe/execute/settle loop (median of rounds).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../../agent/backends/open.ts';
import { DesktopEnvironment } from '../../agent/env/desktop/environment.ts';
import { startVirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import type { Environment } from '../../agent/env/types.ts';
import { defaultParts } from '../../agent/loop/default-parts.ts';
import { runAgent, type TraceSink } from '../../agent/loop/run-agent.ts';
import { TraceWriter } from '../../agent/trace/writer.ts';

const STEPS = 20;
const ROUNDS = 5;
const SETTLE = { quietMs: 0, maxMs: 0 }; // one frame: the bench measures the loop, not an app

const points = () => Array.from({ length: STEPS }, (_, i) => ({ x: 100 + (i % 2) * 400, y: 100 + (i % 3) * 200 }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Adds up the time spent inside an object's async methods. */
function timed<T extends object>(target: T, clock: { ms: number }): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const t = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
        } finally {
          clock.ms += performance.now() - t;
        }
      };
    },
  });
}

export default async function (): Promise<void> {
  const display = await startVirtualDisplay({ size: '1280x800' });
  const environment = new DesktopEnvironment({ display: display.display });
  const root = await mkdtemp(join(tmpdir(), 'deskpilot-loop-bench-'));
  try {
    await environment.displays();
    const script = join(root, 'moves.json');
    await writeFile(script, JSON.stringify({ family: 'pyautogui', replies: points().map((p) => `pyautogui.moveTo(${p.x}, ${p.y})`) }));

    const bare = async () => {
      const t = performance.now();
      for (const p of points()) {
        const before = await environment.observe();
        await environment.execute({ kind: 'move', to: p });
        await environment.settle(before, SETTLE);
      }
      return performance.now() - t;
    };
    const loop = async (run: string, withTrace: boolean) => {
      const envClock = { ms: 0 };
      const traceClock = { ms: 0 };
      const backend = await openBackend(`script:${script}`);
      const writer = withTrace
        ? await TraceWriter.create(join(root, run), { instruction: 'bench', model: 'script', family: 'pyautogui', settings: { maxSteps: STEPS } })
        : undefined;
      const t = performance.now();
      const outcome = await runAgent({
        instruction: 'bench',
        backend,
        environment: timed<Environment>(environment, envClock),
        parts: defaultParts,
        maxSteps: STEPS,
        settle: SETTLE,
        stall: { limit: STEPS + 1 },
        ...(writer ? { trace: timed<TraceSink>(writer, traceClock) } : {}),
      });
      const total = performance.now() - t;
      await writer?.close();
      if (outcome.steps !== STEPS) throw new Error(`bench run ended early: ${outcome.status} ${outcome.message ?? ''}`);
      return { total, env: envClock.ms, trace: traceClock.ms };
    };

    await bare(); // warm up the driver and the capture path
    type LoopTimes = Awaited<ReturnType<typeof loop>>;
    const rows: { bare: number; plain: LoopTimes; traced: LoopTimes }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rows.push({ bare: await bare(), plain: await loop(`plain${round}`, false), traced: await loop(`traced${round}`, true) });
    }
    const perStep = (ms: number) => (ms / STEPS).toFixed(1);
    const inRun = median(rows.map((r) => r.plain.total / r.plain.env));
    const inRunTraced = median(rows.map((r) => r.traced.total / r.traced.env));
    const traceShare = median(rows.map((r) => r.traced.trace / r.traced.env));
    process.stdout.write(`baseline: environment time inside the same run (observe+execute+settle, 1280x800), median of ${ROUNDS} runs of ${STEPS} steps (${perStep(median(rows.map((r) => r.plain.env)))} ms/step)\n`);
    process.stdout.write(`loop without trace, step time / environment time: ${inRun.toFixed(2)}x\n`);
    process.stdout.write(`loop with trace,    step time / environment time: ${inRunTraced.toFixed(2)}x (time inside trace writes: ${traceShare.toFixed(2)}x)\n`);
    process.stdout.write(`loop without trace / bare observe+execute+settle loop (separate runs): ${median(rows.map((r) => r.plain.total / r.bare)).toFixed(2)}x\n`);
  } finally {
    await environment.dispose();
    await display.dispose();
    await rm(root, { recursive: true, force: true });
  }
}
