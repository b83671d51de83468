/**
 * deskpilot run "<instruction>" --model <spec> [--display :N] [--monitor ID] [--out DIR]
 *   [--max-steps N] [--task ID] [--thinking]
 * Exit 0 when the model finished the task (done), 1 for fail / stall / step cap / stop / error,
 * 2 for bad usage or input. Progress goes to stderr, the outcome to stdout.
 */
import { join } from 'node:path';
import { BackendInputError, BackendUnavailableError } from '../../backends/errors.ts';
import { openBackend } from '../../backends/open.ts';
import { DesktopEnvironment } from '../../env/desktop/environment.ts';
import { defaultParts } from '../../loop/default-parts.ts';
import type { LoopEvent } from '../../loop/events.ts';
import { formatStatus, formatStep } from '../../loop/progress.ts';
import { runAgent } from '../../loop/run-agent.ts';
import { newRunId } from '../../trace/run-id.ts';
import { TraceWriter } from '../../trace/writer.ts';
import type { VlmBackend } from '../../../models/types.ts';
import { parseCommandLine, UsageError } from '../usage.ts';
import { HISTORY_OPTIONS, HISTORY_USAGE, parseHistoryOptions } from '../history-options.ts';
import type { HistoryOptions } from '../../prompts/types.ts';
import { PauseControl } from '../../loop/pause.ts';
import { parseChord } from '../../safety/input-watch.ts';
import { parseRect, type Rect } from '../../safety/mask.ts';
import { PolicyError } from '../../safety/policy.ts';
import { setupSafety, type SafetySetup } from '../../safety/setup.ts';

const USAGE = `usage: deskpilot run "<instruction>" --model <spec> [options]
  --model SPEC      kimi-vl:<dir> | openai:<url>#<model> | replay:<trace-dir> | script:<file-or-dir>
  --display :N      X display to act on (default: $DISPLAY)
  --monitor ID      monitor of that display (default: the primary one)
  --out DIR         trace folder to create (default: runs/<run-id>)
  --max-steps N     step cap (default 15)
  --task ID         task id (picks <dir>/<ID>.json for script:<dir>)
  --thinking        let a thinking model think before answering
${HISTORY_USAGE}
safety:
  --policy FILE     extra safety rules (YAML; repeatable); the defaults are agent/safety/default-policy.yaml
  --yes             approve every action a rule marks "confirm" (without it and without a terminal: deny)
  --mask-region R   black out x,y,width,height (screen pixels) before the model or trace sees it (repeatable)
  --mask-window RE  black out windows whose title or class matches RE (repeatable)
  --stop-key CHORD  emergency stop from any app (default ctrl+alt+esc)
  --no-takeover     do not pause when the user moves the mouse or types`;

export interface RunArgs {
  instruction: string;
  model: string;
  display?: string;
  monitor?: string;
  out?: string;
  maxSteps: number;
  task?: string;
  thinking: boolean;
  history: HistoryOptions;
  policy: string[];
  yes: boolean;
  maskRegions: Rect[];
  maskWindows: RegExp[];
  stopKey?: string;
  takeover: boolean;
}

export function parseRunArgs(argv: string[]): RunArgs | 'help' {
  const parsed = parseCommandLine(
    {
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      display: { type: 'string' },
      monitor: { type: 'string' },
      out: { type: 'string' },
      'max-steps': { type: 'string' },
      task: { type: 'string' },
      thinking: { type: 'boolean', default: false },
      ...HISTORY_OPTIONS,
      policy: { type: 'string', multiple: true },
      yes: { type: 'boolean', default: false },
      'mask-region': { type: 'string', multiple: true },
      'mask-window': { type: 'string', multiple: true },
      'stop-key': { type: 'string' },
      'no-takeover': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    },
    USAGE,
  );
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1 || positionals[0]!.trim() === '') {
    throw new UsageError(`expected exactly one instruction in quotes (got ${positionals.length})\n${USAGE}`);
  }
  if (!values.model) throw new UsageError(`--model is required\n${USAGE}`);
  const maxSteps = values['max-steps'] === undefined ? 15 : Number(values['max-steps']);
  if (!Number.isInteger(maxSteps) || maxSteps < 1 || maxSteps > 1000) {
    throw new UsageError(`--max-steps must be a whole number from 1 to 1000 (got "${values['max-steps']}")`);
  }
  const display = values.display ?? process.env['DISPLAY'];
  if (process.platform === 'linux' && !display) throw new UsageError('no X display: pass --display :N or set DISPLAY');
  if (display !== undefined && process.platform === 'linux' && !/^[\w.-]*:\d+(\.\d+)?$/.test(display)) {
    throw new UsageError(`--display "${display}" is not an X display name like :1 or :1.0`);
  }
  let maskRegions: Rect[];
  let maskWindows: RegExp[];
  try {
    maskRegions = (values['mask-region'] ?? []).map(parseRect);
    maskWindows = (values['mask-window'] ?? []).map((re) => new RegExp(re, 'i'));
    if (values['stop-key'] !== undefined) parseChord(values['stop-key']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    instruction: positionals[0]!,
    model: values.model,
    maxSteps,
    thinking: values.thinking ?? false,
    history: parseHistoryOptions(values),
    policy: values.policy ?? [],
    yes: values.yes ?? false,
    maskRegions,
    maskWindows,
    takeover: !values['no-takeover'],
    ...(values['stop-key'] !== undefined ? { stopKey: values['stop-key'] } : {}),
    ...(display !== undefined ? { display } : {}),
    ...(values.monitor !== undefined ? { monitor: values.monitor } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.task !== undefined ? { task: values.task } : {}),
  };
}

async function open(args: RunArgs): Promise<VlmBackend> {
  try {
    return await openBackend(args.model, args.task !== undefined ? { taskId: args.task } : {});
  } catch (error) {
    if (error instanceof BackendInputError || error instanceof BackendUnavailableError) throw new UsageError(error.message);
    throw error;
  }
}

async function openEnvironment(args: RunArgs): Promise<DesktopEnvironment> {
  const environment = new DesktopEnvironment(args.display !== undefined ? { display: args.display } : {});
  try {
    const displays = await environment.displays();
    if (args.monitor !== undefined && !displays.some((d) => d.id === args.monitor)) {
      throw new UsageError(`--monitor ${args.monitor} does not exist; monitors are ${displays.map((d) => d.id).join(', ')}`);
    }
    return environment;
  } catch (error) {
    await environment.dispose();
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot use display ${args.display ?? '(default)'}: ${(error as Error).message}`);
  }
}

function progress(event: LoopEvent): void {
  if (event.type === 'step_recorded') process.stderr.write(formatStep(event.record) + '\n');
  if (event.type === 'status' && event.status !== 'running') process.stderr.write(`[${formatStatus(event.status, event.message)}]\n`);
}

/** On a terminal, Enter resumes a paused run; returns the function that stops listening. */
function resumeOnEnter(pause: PauseControl): () => void {
  if (!process.stdin.isTTY) return () => undefined;
  const onData = () => {
    if (pause.paused) pause.resume();
  };
  process.stdin.on('data', onData);
  return () => {
    process.stdin.off('data', onData);
    process.stdin.pause();
  };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseRunArgs(argv);
  if (args === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const controller = new AbortController();
  const pause = new PauseControl();
  let safety: SafetySetup;
  try {
    safety = await setupSafety({
      policyFiles: args.policy,
      yes: args.yes,
      mask: { regions: args.maskRegions, windows: args.maskWindows.flatMap((re) => [{ title: re }, { className: re }]) },
      display: args.display,
      stopChord: args.stopKey,
      pauseOnUserInput: args.takeover,
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      onEmergencyStop: () => {
        process.stderr.write('emergency stop\n');
        pause.resume();
        controller.abort();
      },
    });
  } catch (error) {
    if (error instanceof PolicyError) throw new UsageError(error.message);
    throw error;
  }
  const backend = await open(args).catch((error: unknown) => {
    safety.dispose();
    throw error;
  });
  let environment: DesktopEnvironment | undefined;
  let trace: TraceWriter | undefined;
  const onResume = () => {
    if (pause.paused) process.stderr.write('resuming\n');
    pause.resume();
  };
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('stopping after the current action (Ctrl+C again to quit now)\n');
    controller.abort();
  };
  try {
    environment = await openEnvironment(args);
    const id = newRunId();
    const out = args.out ?? join('runs', id);
    const info = backend.info();
    try {
      trace = await TraceWriter.create(out, {
        id,
        instruction: args.instruction,
        model: args.model,
        family: info.family,
        settings: { maxSteps: args.maxSteps, thinking: args.thinking, history: args.history, coordinates: info.coordinates, ...(args.display ? { display: args.display } : {}), ...(args.monitor ? { monitor: args.monitor } : {}) },
        ...(args.task !== undefined ? { taskId: args.task } : {}),
        ...(safety.hooks.redact ? { redact: safety.hooks.redact } : {}),
      });
    } catch (error) {
      throw new UsageError(`--out: ${(error as Error).message}`);
    }
    process.stderr.write(`run ${id}: trace in ${out}\n`);
    process.on('SIGINT', onSigint);
    process.on('SIGUSR1', onResume);
    const stopResumeKeys = resumeOnEnter(pause);
    const outcome = await runAgent({
      instruction: args.instruction,
      backend,
      environment: safety.wrapEnvironment(environment),
      hooks: safety.hooks,
      pause,
      parts: defaultParts,
      maxSteps: args.maxSteps,
      trace,
      signal: controller.signal,
      onEvent: (event) => {
        progress(event);
        if (event.type === 'status' && event.status === 'paused') {
          const how = process.stdin.isTTY ? 'Press Enter' : `Send SIGUSR1 (kill -USR1 ${process.pid})`;
          process.stderr.write(`paused: the user took over. ${how} to resume.\n`);
        }
      },
      thinking: args.thinking,
      history: args.history,
      ...(args.monitor !== undefined ? { displayId: args.monitor } : {}),
    });
    stopResumeKeys();
    process.stdout.write(`${formatStatus(outcome.status, outcome.message)}\ntrace: ${out}\n`);
    return outcome.status === 'success' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGUSR1', onResume);
    safety.dispose();
    await trace?.close();
    await environment?.dispose();
    await backend.dispose();
  }
}
