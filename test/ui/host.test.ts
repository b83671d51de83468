/**
 * The agent host without a transport: bench runs report progress from their folder while the runner
 * works and show the runner's error when it fails. FakeBenchLauncher stands in for the `deskpilot
 * bench` child process so the test controls when it writes results and how it exits.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, BenchP } from '../../agent/protocol/messages.ts';
import type { AgentPort } from '../../agent/server/agent-port.ts';
import type { BenchJob, BenchLauncher } from '../../agent/server/bench-launcher.ts';
import { AgentHost } from '../../agent/server/agent-host.ts';
import { writeFixtureRun } from './fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deskpilot-host-'));
  await mkdir(join(root, 'suite'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const noAgent: AgentPort = {
  availability: async () => ({ ok: false, reason: 'no agent in this test' }),
  facts: async () => ({ executionProviders: [], displays: [], safetyRules: [] }),
  startRun: async () => {
    throw new Error('unreachable');
  },
  checkGrounding: async () => {
    throw new Error('unreachable');
  },
};

function fakeBenchLauncher() {
  const jobs: { job: BenchJob; exit(code: number, stderr?: string): void }[] = [];
  const launch: BenchLauncher = (job) => {
    let exit!: (r: { code: number | null; stderrTail: string }) => void;
    const exited = new Promise<{ code: number | null; stderrTail: string }>((resolve) => (exit = resolve));
    jobs.push({ job, exit: (code, stderr = '') => exit({ code, stderrTail: stderr }) });
    return { exited, stop: () => exit({ code: null, stderrTail: 'stopped' }) };
  };
  return { launch, jobs };
}

function host(runsDir: string, launchBench: BenchLauncher) {
  const events: AgentEvent[] = [];
  const h = new AgentHost({ runsDir, fileUrl: (r, f) => `/files/${r}/${f}`, reportUrl: (r) => `/report/${r}.html`, agent: noAgent, launchBench, benchPollMs: 50 });
  h.subscribe((e) => events.push(e));
  const progress = () => events.filter((e): e is Extract<AgentEvent, { type: 'bench.progress' }> => e.type === 'bench.progress').map((e) => e.bench);
  return { h, progress };
}

async function start(h: AgentHost): Promise<string> {
  const r = await h.dispatch({ type: 'bench.start', suite: join(root, 'suite'), model: 'script:/oracles', envs: 2, maxSteps: 5 });
  if (!r.ok) throw new Error(r.error);
  return (r.result as { benchId: string }).benchId;
}

describe('bench runs in the host', () => {
  it('streams per-task progress while running, then the summary', async () => {
    const runsDir = join(root, 'runs-ok');
    const fake = fakeBenchLauncher();
    const { h, progress } = host(runsDir, fake.launch);
    const benchId = await start(h);
    const { job, exit } = fake.jobs[0];
    expect(job).toMatchObject({ suite: join(root, 'suite'), model: 'script:/oracles', envs: 2, maxSteps: 5, outDir: join(runsDir, benchId) });
    await mkdir(join(job.outDir, 'os', 't1'), { recursive: true });
    await writeFile(join(job.outDir, 'os', 't1', 'result.txt'), '1.0\n');
    await mkdir(join(job.outDir, 'os', 't2'), { recursive: true });
    await expect.poll(() => progress().at(-1)?.tasks.length).toBe(2);
    const running = progress().at(-1) as BenchP;
    expect(running).toMatchObject({ status: 'running', domains: { os: { score: 1, tasks: 1 } } });
    expect(running.tasks.find((t) => t.id === 't2')?.score).toBeUndefined();

    await writeFile(join(job.outDir, 'os', 't2', 'result.txt'), '0\n');
    await writeFile(join(job.outDir, 'summary.json'), JSON.stringify({ overall: 0.5, domains: { os: { score: 0.5, tasks: 2 } }, tasks: { t1: 1, t2: 0 } }));
    exit(0);
    await expect.poll(() => progress().at(-1)?.status).toBe('finished');
    expect(progress().at(-1)).toMatchObject({ overall: 0.5, total: 2, domains: { os: { score: 0.5, tasks: 2 } } });
  });

  it('marks a run whose runner fails as failed, with the end of its stderr', async () => {
    const fake = fakeBenchLauncher();
    const { h, progress } = host(join(root, 'runs-fail'), fake.launch);
    const benchId = await start(h);
    fake.jobs[0].exit(1, 'loading tasks...\nerror: task file os/x.json: field "config" is required\n');
    await expect.poll(() => progress().at(-1)?.status).toBe('failed');
    const got = await h.dispatch({ type: 'bench.get', benchId });
    expect(got).toMatchObject({ ok: true, result: { bench: { status: 'failed', error: expect.stringContaining('field "config" is required') } } });
  });

  it('refuses to start a run when the agent is unavailable, saying why', async () => {
    const { h } = host(join(root, 'runs-x'), fakeBenchLauncher().launch);
    expect(await h.dispatch({ type: 'run.start', options: { instruction: 'x', model: 'script:x.json' } })).toEqual({ ok: false, error: 'cannot start a run: no agent in this test' });
  });
});

describe('run folders in the host', () => {
  it('reads runs through the trace reader: a bad step line ends the steps, a run.json it cannot read is listed with the reason', async () => {
    const runsDir = join(root, 'runs-traces');
    const good = await writeFixtureRun(runsDir, '20261129-040000-good', 'A run with a damaged step', 3);
    const lines = (await readFile(join(good, 'steps.jsonl'), 'utf8')).split('\n');
    lines[1] = JSON.stringify({ ...JSON.parse(lines[1]!), actions: [{ model: { kind: 'click' }, capture: null, screen: 'rm -rf /' }] });
    await writeFile(join(good, 'steps.jsonl'), lines.join('\n'));
    const newer = await writeFixtureRun(runsDir, '20261129-050000-newer', 'A run from a newer deskpilot', 1);
    const run = JSON.parse(await readFile(join(newer, 'run.json'), 'utf8'));
    await writeFile(join(newer, 'run.json'), JSON.stringify({ ...run, version: 99 }));

    const { h } = host(runsDir, fakeBenchLauncher().launch);
    const list = await h.dispatch({ type: 'runs.list' });
    if (!list.ok) throw new Error(list.error);
    const runs = (list.result as { runs: { id: string; status: string; message?: string }[] }).runs;
    expect(runs.map((r) => r.id)).toEqual(['20261129-050000-newer', '20261129-040000-good']);
    expect(runs[0]).toMatchObject({ status: 'error', message: expect.stringMatching(/^unreadable run folder: .*run\.json.*99/) });
    const got = await h.dispatch({ type: 'runs.get', runId: '20261129-040000-good' });
    if (!got.ok) throw new Error(got.error);
    const { steps, warnings } = got.result as { steps: { step: number; screenshotUrl: string }[]; warnings: string[] };
    expect(steps.map((s) => s.step)).toEqual([1]);
    // The UI says why the run shows fewer steps than it has.
    expect(warnings.join('\n')).toMatch(/steps\.jsonl:2: field "actions\[0\]\.model\.\w+" .*left out/);
    expect(steps[0]!.screenshotUrl).toMatch(/^\/files\/20261129-040000-good\/step_1_/);
    expect(await h.dispatch({ type: 'runs.get', runId: '20261129-050000-newer' })).toMatchObject({ ok: true, result: { run: { status: 'error', message: expect.stringMatching(/unreadable run folder/) } } });
  });
});
