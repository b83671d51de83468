/**
 * Task-suite wall time with --envs 2 against --envs 1, measured in this one run over the same tasks
 * (the bundled suite's oracles; DESKPILOT_BENCH_DOMAIN picks the domain, "all" for the whole suite).
 * Prints the speed-up as a ratio; both runs must also score 100 %, or the timing means nothing.
 */
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench } from '../../agent/tasks/runner.ts';

const ROOT = join(import.meta.dirname, '../..');

async function timed(envs: number, domain: string | undefined): Promise<{ seconds: number; overall: number; tasks: number }> {
  const out = mkdtempSync(join(tmpdir(), `deskpilot-bench-envs${envs}-`));
  const started = performance.now();
  const { summary } = await runBench({
    source: join(ROOT, 'tasks'),
    model: `script:${join(ROOT, 'tasks/oracles')}`,
    out,
    envs,
    maxSteps: 15,
    ...(domain ? { domain } : {}),
    taskTimeoutMs: 600_000,
    progressStream: process.stderr,
  });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, overall: summary.overall, tasks: Object.keys(summary.tasks).length };
}

export default async function (): Promise<void> {
  const pick = process.env.DESKPILOT_BENCH_DOMAIN ?? 'os';
  const domain = pick === 'all' ? undefined : pick;
  const one = await timed(1, domain);
  const two = await timed(2, domain);
  const line = (label: string, r: typeof one) =>
    `${label}: ${r.tasks} tasks in ${r.seconds.toFixed(1)} s (${(r.seconds / r.tasks).toFixed(1)} s/task), oracle score ${(r.overall * 100).toFixed(1)}%`;
  process.stdout.write(`suite: tasks/ domain ${pick}, host cores ${availableParallelism()}\n`);
  process.stdout.write(`${line('--envs 1 (baseline)', one)}\n${line('--envs 2', two)}\n`);
  process.stdout.write(`speed-up --envs 2 vs --envs 1: ${(one.seconds / two.seconds).toFixed(2)}x\n`);
}
