import { spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readTrace } from '../../agent/trace/reader.ts';

const root = await mkdtemp(join(tmpdir(), 'deskpilot-kill-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** Starts the writer child and SIGKILLs it once it has reported `afterSteps` steps plus `extraMs`. */
function runAndKill(dir: string, afterSteps: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/kill-child.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let reported = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      reported += (chunk.toString().match(/step \d+/g) ?? []).length;
      if (reported >= afterSteps && !child.killed) setTimeout(() => child.kill('SIGKILL'), extraMs);
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(reported) : reject(new Error(`child ended by itself (${signal})`))));
    child.on('error', reject);
  });
}

it('a writer killed with SIGKILL at arbitrary moments leaves a readable trace', async () => {
  // Different kill points land in different phases: PNG write, steps.jsonl, traj.jsonl, run.json rename.
  for (const [i, extraMs] of [0, 4, 11].entries()) {
    const dir = join(root, `run${i}`);
    const reported = await runAndKill(dir, 2 + i, extraMs);
    const trace = await readTrace(dir);
    // Every step the child reported as written is there; at most one more may have landed after it.
    expect(trace.steps.length).toBeGreaterThanOrEqual(reported);
    expect(trace.steps.length).toBeLessThanOrEqual(reported + 3);
    expect(['running', 'paused']).toContain(trace.run.status);
    for (const step of trace.steps) await access(join(dir, step.screenshot));
    expect(trace.warnings.filter((w) => /screenshot .* is missing/.test(w))).toEqual([]);
    expect(trace.traj.length).toBeGreaterThanOrEqual(Math.max(0, trace.steps.length - 1));
  }
}, 60_000);
