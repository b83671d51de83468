/**
 * The one way to assemble a run, for every entry point (deskpilot run, the UI server, the MCP server,
 * the task runner, replay --execute, re-run from step N): the model backend, the desktop environment,
 * the safety hooks (policy with the active window, confirmation, redaction, masks, takeover pause,
 * stop chord) and the trace writer with the full settings. Entry points differ only in what they pass
 * in and how they show progress.
 */
import { BackendInputError, BackendUnavailableError } from '../backends/errors.ts';
import { openBackend } from '../backends/open.ts';
import { parseModelSpec } from '../backends/spec.ts';
import { recordedCoordinates } from '../backends/replay.ts';
import { DesktopEnvironment } from '../env/desktop/environment.ts';
import type { Environment } from '../env/types.ts';
import { defaultParts } from '../loop/default-parts.ts';
import type { LoopEventListener } from '../loop/events.ts';
import { PauseControl } from '../loop/pause.ts';
import { runAgent, type RunOutcome } from '../loop/run-agent.ts';
import { PolicyError } from '../safety/policy.ts';
import { readTrace, TraceFormatError } from '../trace/reader.ts';
import { replayPlan } from '../trace/replay-plan.ts';
import { newRunId } from '../trace/run-id.ts';
import type { HistoryOptions } from '../prompts/types.ts';
import type { RunInfo } from '../trace/types.ts';
import { TraceWriter } from '../trace/writer.ts';
import type { VlmBackend } from '../../models/types.ts';
import { replayedSteps, type Decider, type ReplayedSteps } from './replayed-steps.ts';
import { setupSafety, type SafetyOptions, type SafetySetup } from './safety-hooks.ts';
import type { ReasoningOptions } from './reasoning.ts';
import type { VerifyDoneOptions } from '../loop/verify-done.ts';

/** Bad input to a run (model spec, policy file, display, trace folder, replayed trace): the message says what to fix. */
export class RunInputError extends Error {
  override name = 'RunInputError';
}

export interface ReplaySource {
  /** A recorded run folder. */
  dir: string;
  /** Its steps fromStep <= n < untilStep are performed again (default: all). */
  fromStep?: number;
  untilStep?: number;
}

export interface RunRequest {
  instruction: string;
  /** Model spec that decides the steps (after any replayed ones); without one, `replay` is required and the run ends after it. */
  model?: string;
  /** Steps the model may take (replayed steps come on top; without a model it is not used). */
  maxSteps: number;
  thinking?: boolean;
  /** How the model is shown earlier steps (screenshots kept, their scale, sliding or stable). */
  history?: HistoryOptions;
  /** Extra model calls per step: verify before done, zoom-in clicks (and the other checks in reasoning.ts). */
  reasoning?: ReasoningOptions;
  /** X display (default $DISPLAY) and monitor (default: the replayed run's when it exists here, else the primary). */
  display?: string;
  monitor?: string;
  taskId?: string;
  /** For kimi-vl models: auto | cpu | cuda | dml | coreml | webgpu. */
  executionProvider?: string;
  /** The new trace folder (must not exist or be empty) and the run id (default: a fresh one). */
  out: string;
  id?: string;
  /** Recorded steps performed again first, through the same review, stop chord and trace as the model's. */
  replay?: ReplaySource;
  safety?: SafetyOptions;
  /** A model opened by the caller (the task runner shares one per worker); released when the run closes. */
  backend?: { backend: VlmBackend; release(): Promise<void> };
  onEvent?: LoopEventListener;
  /** A protection or option that could not be honoured here; the run goes on without it. */
  onWarning?(message: string): void;
  /** The emergency-stop chord was pressed (the run is already stopping). */
  onEmergencyStop?(): void;
}

export interface OpenRun {
  readonly id: string;
  readonly dir: string;
  readonly trace: TraceWriter;
  readonly pause: PauseControl;
  /** The desktop, as the loop acts on it. */
  readonly environment: Environment;
  /** Runs the loop to its end (call once); the trace stays open until close(). */
  run(): Promise<RunOutcome>;
  /** Ends the run after the current action; a pending confirmation counts as denied. */
  stop(): void;
  /** Closes the trace, the watcher, the environment and the backend; safe to call more than once. */
  close(): Promise<void>;
}

/** Runs `open`; its failures that come from bad input (model spec, policy file, trace) become RunInputError. */
async function input<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    const bad = error instanceof BackendInputError || error instanceof BackendUnavailableError || error instanceof PolicyError || error instanceof TraceFormatError;
    throw bad ? new RunInputError((error as Error).message) : error;
  }
}

/** Steps to perform again, with what the recorded run was. */
async function loadReplay(source: ReplaySource) {
  const trace = await input(() => readTrace(source.dir));
  const fromStep = source.fromStep ?? 1;
  const plan = replayPlan(trace.steps, fromStep, source.untilStep);
  const last = trace.steps.at(-1)?.step ?? 0;
  if (source.untilStep === undefined && plan.length === 0) {
    throw new RunInputError(`${source.dir} has no recorded step ${fromStep} to perform again (its last step is ${last}); pick a step from 1 to ${last}`);
  }
  if (source.untilStep !== undefined && source.untilStep - 1 > last) {
    throw new RunInputError(`${source.dir} has no recorded step ${source.untilStep - 1} (its last step is ${last}); re-run from a step from 1 to ${last + 1}`);
  }
  return { run: trace.run, plan, fromStep, display: plan[0]?.record.observation.display.id };
}

async function openEnvironment(request: RunRequest, recordedMonitor: string | undefined): Promise<{ environment: DesktopEnvironment; monitor?: string }> {
  const environment = new DesktopEnvironment(request.display !== undefined ? { display: request.display } : {});
  try {
    const displays = await environment.displays();
    if (request.monitor !== undefined && !displays.some((d) => d.id === request.monitor)) {
      throw new RunInputError(`monitor ${request.monitor} does not exist; monitors are ${displays.map((d) => d.id).join(', ')}`);
    }
    const monitor = request.monitor ?? (displays.some((d) => d.id === recordedMonitor) ? recordedMonitor : undefined);
    return { environment, ...(monitor !== undefined ? { monitor } : {}) };
  } catch (error) {
    await environment.dispose();
    if (error instanceof RunInputError) throw error;
    throw new RunInputError(`cannot use display ${request.display ?? '(default)'}: ${(error as Error).message}`);
  }
}

export async function openRun(asked: RunRequest): Promise<OpenRun> {
  if (asked.model === undefined && asked.replay === undefined) throw new RunInputError('a run needs a model, recorded steps to perform again, or both');
  const zoomClicks = asked.reasoning?.zoomClicks === true;
  if (zoomClicks && asked.model !== undefined && (await input(async () => parseModelSpec(asked.model!))).kind === 'replay') {
    throw new RunInputError('zoom-in clicks (--zoom-clicks) need a live model: a replay: model answers with its recorded replies, one per step');
  }
  // The display the desktop driver defaults to is the one the watcher and the window rules must see.
  const display = asked.display ?? (process.platform === 'linux' ? process.env['DISPLAY'] : undefined);
  const request: RunRequest = { ...asked, ...(display !== undefined ? { display } : {}) };
  const warn = request.onWarning ?? (() => undefined);
  const abort = new AbortController();
  const pause = new PauseControl();
  const stop = () => {
    abort.abort();
    pause.resume();
  };
  const closers: (() => Promise<void> | void)[] = [];
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      for (const closer of closers.reverse()) await Promise.resolve().then(closer).catch(() => undefined);
    })());

  if (request.backend) closers.push(() => request.backend!.release());
  try {
    const safety: SafetySetup = await input(() =>
      setupSafety(request.safety ?? {}, {
        ...(request.display !== undefined ? { display: request.display } : {}),
        onWarning: warn,
        onEmergencyStop: () => {
          stop();
          request.onEmergencyStop?.();
        },
      }),
    );
    closers.push(() => safety.dispose());
    const replay = request.replay ? await loadReplay(request.replay) : undefined;

    let model: Decider | undefined;
    if (request.model !== undefined) {
      const spec = request.model;
      let backend = request.backend?.backend;
      if (!backend) {
        const opened = await input(() =>
          openBackend(spec, {
            ...(request.taskId !== undefined ? { taskId: request.taskId } : {}),
            ...(request.executionProvider !== undefined ? { executionProvider: request.executionProvider } : {}),
          }),
        );
        closers.push(() => opened.dispose());
        backend = opened;
      }
      model = { backend, parts: defaultParts };
      const note = backend.info().note;
      if (note) warn(note);
    }

    let verifyDone: VerifyDoneOptions | undefined;
    const verify = request.reasoning?.verifyDone;
    if (verify && model) {
      if (!(Number.isInteger(verify.limit) && verify.limit >= 1)) throw new RunInputError(`the verify limit must be a whole number >= 1 (got ${verify.limit})`);
      let judge: VlmBackend | undefined;
      // The run's own spec needs no second copy of the model (a local one would load twice).
      if (verify.model !== undefined && verify.model !== request.model) {
        const judgeSpec = verify.model;
        const opened = await input(() => openBackend(judgeSpec, request.taskId !== undefined ? { taskId: request.taskId } : {}));
        closers.push(() => opened.dispose());
        judge = opened;
      }
      verifyDone = { limit: verify.limit, ...(judge ? { backend: judge } : {}) };
    }

    const samples = request.reasoning?.samples;
    if (samples && !(Number.isInteger(samples.n) && samples.n >= 2 && samples.n <= 16)) throw new RunInputError(`the samples per step must be a whole number from 2 to 16 (got ${samples.n})`);
    const rethink = request.reasoning?.rethink;
    if (rethink && !(Number.isInteger(rethink.maxTokens) && rethink.maxTokens >= 1)) throw new RunInputError(`the rethink token cap must be a whole number >= 1 (got ${rethink.maxTokens})`);
    if (rethink && model && !model.backend.info().continuesReplies) warn(`${request.model} cannot continue a reply, so --rethink does nothing with it`);
    // A second look during replayed steps would take the next recorded reply as its answer.
    if (zoomClicks && replay) warn('zoom-in clicks are off in a run that performs recorded steps again');

    const { environment, monitor } = await openEnvironment(request, replay?.display);
    closers.push(() => environment.dispose());

    let replayed: ReplayedSteps | undefined;
    if (replay) {
      replayed = replayedSteps(replay.plan, { spec: `replay of ${request.replay!.dir}`, family: replay.run.family, coordinates: recordedCoordinates(replay.run) }, model);
    }
    const decider: Decider = replayed ?? model!;
    const info = (model ?? decider).backend.info();
    const maxSteps = (model ? request.maxSteps : 1) + (replay?.plan.length ?? 0);
    const id = request.id ?? newRunId();
    const settings: RunInfo['settings'] = {
      maxSteps,
      thinking: request.thinking ?? false,
      history: request.history ?? {},
      coordinates: info.coordinates,
      ...(request.display !== undefined ? { display: request.display } : {}),
      ...(monitor !== undefined ? { monitor } : {}),
      ...(request.executionProvider !== undefined ? { executionProvider: request.executionProvider } : {}),
      ...(replay ? { replay: { dir: request.replay!.dir, fromStep: replay.fromStep, steps: replay.plan.length } } : {}),
      safety: safety.settings,
      reasoning: request.reasoning ?? {},
    };
    const trace = await TraceWriter.create(request.out, {
      id,
      instruction: request.instruction,
      model: request.model ?? replay!.run.model,
      family: info.family,
      settings,
      ...(request.taskId !== undefined ? { taskId: request.taskId } : {}),
      ...(safety.hooks.redact ? { redact: safety.hooks.redact } : {}),
    }).catch((error: unknown) => {
      throw new RunInputError((error as Error).message);
    });
    closers.push(() => trace.close());

    const acting = safety.wrapEnvironment(environment);
    let started = false;
    return {
      id,
      dir: request.out,
      trace,
      pause,
      environment: acting,
      run() {
        if (started) throw new Error('run() was already called: a run runs once');
        started = true;
        return runAgent({
          instruction: request.instruction,
          backend: decider.backend,
          environment: acting,
          parts: decider.parts,
          hooks: safety.hooks,
          pause,
          maxSteps,
          trace,
          signal: abort.signal,
          ...(request.thinking !== undefined ? { thinking: request.thinking } : {}),
          ...(zoomClicks && !replayed ? { zoomClicks: true } : {}),
          ...(request.history ? { history: request.history } : {}),
          ...(verifyDone ? { verifyDone } : {}),
          ...(request.reasoning?.rethink ? { rethink: request.reasoning.rethink } : {}),
          ...(request.reasoning?.samples ? { samples: request.reasoning.samples } : {}),
          ...(monitor !== undefined ? { displayId: monitor } : {}),
          // Replaying a run repeats what it did; the stall detector would take repeats for a loop.
          ...(replay && !model ? { stall: { limit: maxSteps + 1 } } : {}),
          onEvent: (event) => {
            replayed?.observe(event);
            request.onEvent?.(event);
          },
        });
      },
      stop,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
