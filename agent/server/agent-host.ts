/**
 * The agent host: the one place commands are validated (zod) and dispatched, and the source of the
 * event stream. Transport-free: `deskpilot serve` puts it behind HTTP + WebSocket, Electron behind IPC.
 * Handlers trust their input because dispatch() has parsed it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CommandSchema,
  FINISHED_STATUSES,
  PROTOCOL_VERSION,
  type AgentEvent,
  type CommandResults,
  type CommandType,
  type ConfirmRequestP,
  type ParsedCommand,
  type RunP,
} from '../protocol/messages.ts';
import { newRunId } from '../trace/run-id.ts';
import type { AgentPort, ConfirmQuestion, LiveRun, RunCallbacks } from './agent-port.ts';
import { listBenchIds, readBench, type BenchMeta } from './bench-folders.ts';
import { launchBenchCli, type BenchLauncher, type BenchProcess } from './bench-launcher.ts';
import { defaultModelsDirs, findModelPackages } from './model-packages.ts';
import { exists, listRunIds, readRunInfo, readSteps, runPath, toRun, toStep, type FileUrl } from './run-folders.ts';

export interface HostOptions {
  runsDir: string;
  /** How a client fetches a file of a run folder (HTTP URL for serve, custom scheme for Electron). */
  fileUrl: FileUrl;
  /** Where a client downloads the offline HTML report of a run. */
  reportUrl: (runId: string) => string;
  agent: AgentPort;
  launchBench?: BenchLauncher;
  modelsDirs?: string[];
  /** How often a running bench's folder is rescanned for progress. */
  benchPollMs?: number;
}

export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: string };

type Handlers = { [K in CommandType]: (command: Extract<ParsedCommand, { type: K }>) => Promise<CommandResults[K]> };

interface LiveEntry {
  run: RunP;
  control?: LiveRun;
  pending?: { request: ConfirmRequestP; resolve(approve: boolean): void };
}

interface BenchEntry {
  process: BenchProcess;
  timer: NodeJS.Timeout;
}

export class AgentHost {
  private readonly listeners = new Set<(event: AgentEvent) => void>();
  private readonly live = new Map<string, LiveEntry>();
  private readonly benches = new Map<string, BenchEntry>();
  private readonly benchErrors = new Map<string, string>();
  /** The grounding check going now: one at a time, since each opens a model. */
  private grounding?: AbortController;

  constructor(private readonly options: HostOptions) {}

  /** Every event goes to every subscriber; returns the unsubscribe function. */
  subscribe(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async dispatch(raw: unknown): Promise<DispatchResult> {
    const parsed = CommandSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'command'}: ${i.message}`);
      return { ok: false, error: `invalid command: ${issues.join('; ')}` };
    }
    const command = parsed.data;
    try {
      const handler = this.handlers[command.type] as (c: ParsedCommand) => Promise<unknown>;
      return { ok: true, result: await handler(command) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Ids of the runs live in this host right now. */
  liveRunIds(): string[] {
    return [...this.live.keys()];
  }

  /** The emergency stop: ends every live run (pending confirmations are denied). */
  stopAll(): void {
    for (const entry of this.live.values()) {
      entry.pending?.resolve(false);
      entry.control?.stop();
    }
  }

  /** Stops live runs and bench processes and waits for the runs to finish writing their traces. */
  async dispose(): Promise<void> {
    const finishing: Promise<void>[] = [];
    for (const entry of this.live.values()) {
      entry.pending?.resolve(false);
      entry.control?.stop();
      if (entry.control) finishing.push(entry.control.finished.catch(() => undefined));
    }
    for (const bench of this.benches.values()) {
      clearInterval(bench.timer);
      bench.process.stop();
    }
    this.grounding?.abort();
    await Promise.all(finishing);
  }

  private emit(event: AgentEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private liveEntry(runId: string): LiveEntry {
    const entry = this.live.get(runId);
    if (!entry?.control) throw new Error(`run "${runId}" is not running in this host`);
    return entry;
  }

  private readonly handlers: Handlers = {
    hello: async () => ({ version: PROTOCOL_VERSION }),
    'runs.list': async () => {
      const runs: RunP[] = [];
      for (const id of await listRunIds(this.options.runsDir)) {
        const run = this.live.get(id)?.run ?? (await readRunInfo(this.options.runsDir, id));
        if (run) runs.push(run);
      }
      return { runs };
    },
    'runs.get': async ({ runId }) => {
      const entry = this.live.get(runId);
      const run = entry?.run ?? (await readRunInfo(this.options.runsDir, runId));
      if (!run) throw new Error(`no run "${runId}" in ${this.options.runsDir} (no run.json)`);
      const { steps, warnings } = await readSteps(this.options.runsDir, runId, this.options.fileUrl);
      return { run, steps, warnings, pending: entry?.pending?.request, reportUrl: this.options.reportUrl(runId) };
    },
    'run.start': async ({ options }) => {
      const availability = await this.options.agent.availability();
      if (!availability.ok) throw new Error(`cannot start a run: ${availability.reason}`);
      const runId = newRunId();
      const from = options.from ? { dir: runPath(this.options.runsDir, options.from.runId), step: options.from.step } : undefined;
      const entry: LiveEntry = {
        run: {
          id: runId,
          instruction: options.instruction,
          model: options.model,
          status: 'running',
          startedAt: new Date().toISOString(),
          steps: 0,
          settings: { maxSteps: options.maxSteps, display: options.display, thinking: options.thinking, ...(options.history ? { history: options.history } : {}), ...(options.reasoning ? { reasoning: options.reasoning } : {}) },
          live: true,
        },
      };
      this.live.set(runId, entry);
      try {
        entry.control = await this.options.agent.startRun(
          { ...options, from, runsDir: this.options.runsDir, runId },
          this.callbacks(runId, entry),
        );
      } catch (error) {
        this.live.delete(runId);
        throw error;
      }
      void entry.control.finished.catch(() => undefined).then(() => this.finishRun(runId, entry));
      return { runId };
    },
    'run.pause': async ({ runId }) => {
      this.liveEntry(runId).control?.pause();
      return { ok: true };
    },
    'run.resume': async ({ runId }) => {
      this.liveEntry(runId).control?.resume();
      return { ok: true };
    },
    'run.stop': async ({ runId }) => {
      const entry = this.liveEntry(runId);
      entry.pending?.resolve(false);
      entry.control?.stop();
      return { ok: true };
    },
    'run.confirm': async ({ runId, approve }) => {
      const entry = this.liveEntry(runId);
      if (!entry.pending) throw new Error(`run "${runId}" is not waiting for a confirmation`);
      entry.pending.resolve(approve);
      return { ok: true };
    },
    'bench.list': async () => {
      const benches = [];
      for (const id of await listBenchIds(this.options.runsDir)) benches.push(await this.readBench(id));
      return { benches };
    },
    'bench.get': async ({ benchId }) => ({ bench: await this.readBench(benchId) }),
    'bench.start': async ({ suite, model, envs, maxSteps, zoomClicks }) => {
      if (!(await exists(suite))) throw new Error(`no task index or folder at ${suite}: give a test_all.json-style index or a folder of task files`);
      const benchId = `bench-${newRunId()}`;
      const outDir = runPath(this.options.runsDir, benchId);
      await mkdir(outDir, { recursive: true });
      const meta: BenchMeta = { suite, model, startedAt: new Date().toISOString() };
      await writeFile(join(outDir, 'bench.json'), JSON.stringify(meta, null, 2));
      const child = (this.options.launchBench ?? launchBenchCli)({ suite, model, envs, maxSteps, zoomClicks, outDir });
      const progress = () => void this.readBench(benchId).then((bench) => this.emit({ type: 'bench.progress', bench }));
      const timer = setInterval(progress, this.options.benchPollMs ?? 1000);
      this.benches.set(benchId, { process: child, timer });
      void child.exited.then(({ code, stderrTail }) => {
        clearInterval(timer);
        this.benches.delete(benchId);
        if (code !== 0) this.benchErrors.set(benchId, `deskpilot bench exited with code ${code}: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}`);
        progress();
      });
      return { benchId };
    },
    'settings.get': async () => {
      const modelsDirs = this.options.modelsDirs ?? defaultModelsDirs();
      const [facts, availability, models] = await Promise.all([
        this.options.agent.facts(),
        this.options.agent.availability(),
        findModelPackages(modelsDirs),
      ]);
      return {
        runsDir: this.options.runsDir,
        modelsDirs,
        models,
        ...facts,
        agentAvailable: availability.ok,
        agentUnavailableReason: availability.ok ? undefined : availability.reason,
      };
    },
    'grounding.check': async ({ model, display, executionProvider, zoom }) => {
      if (this.grounding) throw new Error('a grounding check is already running; wait for its result or stop it');
      const controller = new AbortController();
      this.grounding = controller;
      try {
        const check = await this.options.agent.checkGrounding({
          model,
          zoom,
          ...(display !== undefined ? { display } : {}),
          ...(executionProvider !== undefined ? { executionProvider } : {}),
          signal: controller.signal,
          onProgress: (progress) => this.emit({ type: 'grounding.progress', model, progress }),
        });
        return { check };
      } catch (error) {
        throw controller.signal.aborted ? new Error('the grounding check was stopped') : error;
      } finally {
        this.grounding = undefined;
      }
    },
    'grounding.stop': async () => {
      const running = this.grounding !== undefined;
      this.grounding?.abort();
      return { stopped: running };
    },
  };

  private readBench(benchId: string) {
    return readBench(this.options.runsDir, benchId, this.benches.has(benchId), this.benchErrors.get(benchId));
  }

  private callbacks(runId: string, entry: LiveEntry): RunCallbacks {
    return {
      status: (info) => {
        entry.run = toRun(runId, info, !FINISHED_STATUSES.includes(info.status));
        this.emit({ type: 'run.status', run: entry.run });
      },
      stepStarted: (step) => this.emit({ type: 'step.started', runId, step }),
      delta: (step, channel, delta) => this.emit({ type: 'model.delta', runId, step, channel, delta }),
      stepRecorded: (record) => this.emit({ type: 'step.recorded', runId, step: toStep(runId, record, this.options.fileUrl) }),
      confirm: (question: ConfirmQuestion) =>
        new Promise<boolean>((resolve) => {
          const request: ConfirmRequestP = {
            runId,
            step: question.step,
            action: question.action,
            rule: question.rule,
            reason: question.reason,
            screenshotUrl: this.options.fileUrl(runId, question.screenshot),
            captureWidth: question.captureWidth,
            captureHeight: question.captureHeight,
          };
          entry.pending = {
            request,
            resolve: (approve) => {
              entry.pending = undefined;
              resolve(approve);
            },
          };
          this.emit({ type: 'confirm.request', request });
        }),
    };
  }

  private async finishRun(runId: string, entry: LiveEntry): Promise<void> {
    this.live.delete(runId);
    const run = (await readRunInfo(this.options.runsDir, runId)) ?? { ...entry.run, live: false };
    this.emit({ type: 'run.status', run: { ...run, live: false } });
  }
}
