/**
 * Reads bench run folders: DIR/summary.json (written by the runner at the end) and
 * DIR/<domain>/<task-id>/result.txt (one per finished task), so progress shows while a run is going.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchP } from '../protocol/messages.ts';
import { exists, runPath } from './run-folders.ts';

/** Written by the host when it starts a bench run, so the folder is recognised before summary.json. */
export interface BenchMeta {
  suite: string;
  model: string;
  startedAt: string;
  total?: number;
}

interface Summary {
  overall?: number;
  domains?: Record<string, { score?: number; tasks?: number }>;
  tasks?: Record<string, number>;
}

async function readJsonOr<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

export async function isBenchFolder(dir: string): Promise<boolean> {
  return (await exists(join(dir, 'summary.json'))) || (await exists(join(dir, 'bench.json')));
}

/** Scores in result.txt are a number (OSWorld writes e.g. "1.0"); anything else counts as 0. */
function parseScore(text: string): number {
  const n = Number.parseFloat(text.trim());
  return Number.isFinite(n) ? n : 0;
}

export async function readBench(runsDir: string, benchId: string, running: boolean, error?: string): Promise<BenchP> {
  const dir = runPath(runsDir, benchId);
  const meta = await readJsonOr<BenchMeta>(join(dir, 'bench.json'));
  const summary = await readJsonOr<Summary>(join(dir, 'summary.json'));
  const tasks: BenchP['tasks'] = [];
  for (const domain of await subdirs(dir)) {
    for (const id of await subdirs(join(dir, domain))) {
      const taskDir = join(dir, domain, id);
      let score: number | undefined;
      try {
        score = parseScore(await readFile(join(taskDir, 'result.txt'), 'utf8'));
      } catch {
        score = summary?.tasks?.[id];
      }
      const traced = (await exists(join(taskDir, 'run.json'))) || (await exists(join(taskDir, 'steps.jsonl')));
      tasks.push({ id, domain, score, traceId: traced ? `${benchId}/${domain}/${id}` : undefined });
    }
  }
  const domains: BenchP['domains'] = {};
  for (const [name, d] of Object.entries(summary?.domains ?? {})) domains[name] = { score: Number(d.score ?? 0), tasks: Number(d.tasks ?? 0) };
  if (!summary) {
    // Running: per-domain means over the tasks finished so far.
    for (const t of tasks) {
      if (t.score === undefined) continue;
      const d = (domains[t.domain] ??= { score: 0, tasks: 0 });
      d.score = (d.score * d.tasks + t.score) / (d.tasks + 1);
      d.tasks += 1;
    }
  }
  const status: BenchP['status'] = running ? 'running' : summary ? 'finished' : 'failed';
  return {
    id: benchId,
    status,
    model: meta?.model,
    suite: meta?.suite,
    overall: summary?.overall,
    domains,
    tasks,
    total: summary?.tasks ? Object.keys(summary.tasks).length : meta?.total,
    error: status === 'failed' ? (error ?? 'the bench run ended without writing summary.json') : undefined,
  };
}

export async function listBenchIds(runsDir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const name of await subdirs(runsDir)) if (await isBenchFolder(join(runsDir, name))) ids.push(name);
  return ids.sort().reverse();
}
