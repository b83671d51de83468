/**
 * A run driven from the terminal, for `deskpilot run` and `replay --execute`: the safety flags both
 * take, confirmation on the TTY, progress on stderr, Ctrl+C to stop, Enter or SIGUSR1 to resume after
 * a takeover, and the outcome on stdout. The run itself is assembled by openRun().
 */
import { createInterface } from 'node:readline/promises';
import type { ScreenAction } from '../protocol/actions.ts';
import type { LoopEvent } from '../loop/events.ts';
import type { PauseControl } from '../loop/pause.ts';
import { formatStatus, formatStep, terminalSafe } from '../loop/progress.ts';
import { describeAction } from '../protocol/describe.ts';
import { openRun, RunInputError, type OpenRun, type RunRequest } from '../run/open-run.ts';
import type { SafetyOptions } from '../run/safety-hooks.ts';
import { parseChord } from '../safety/input-watch.ts';
import { parseRect } from '../safety/mask.ts';
import type { Confirmer, SafetyVerdict } from '../safety/types.ts';
import { UsageError } from './usage.ts';

export const SAFETY_USAGE = `safety:
  --policy FILE     extra safety rules (YAML; repeatable); the defaults are agent/safety/default-policy.yaml
  --yes             approve every action a rule marks "confirm" (without it and without a terminal: deny)
  --mask-region R   black out x,y,width,height (screen pixels) before the model or trace sees it (repeatable)
  --mask-window RE  black out windows whose title or class matches RE (repeatable)
  --stop-key CHORD  emergency stop from any app (default ctrl+alt+esc)
  --no-takeover     do not pause when the user moves the mouse or types`;

/** The parseArgs options of SAFETY_USAGE. */
export const SAFETY_FLAGS = {
  policy: { type: 'string', multiple: true },
  yes: { type: 'boolean', default: false },
  'mask-region': { type: 'string', multiple: true },
  'mask-window': { type: 'string', multiple: true },
  'stop-key': { type: 'string' },
  'no-takeover': { type: 'boolean', default: false },
} as const;

export interface SafetyFlagValues {
  policy?: string[];
  yes?: boolean;
  'mask-region'?: string[];
  'mask-window'?: string[];
  'stop-key'?: string;
  'no-takeover'?: boolean;
}

/** The run's safety options from the flags; a bad region, pattern or chord is a UsageError. */
export function safetyFromFlags(values: SafetyFlagValues): SafetyOptions {
  try {
    const regions = (values['mask-region'] ?? []).map(parseRect);
    const windows = (values['mask-window'] ?? []).map((re) => new RegExp(re, 'i'));
    if (values['stop-key'] !== undefined) parseChord(values['stop-key']);
    return {
      policyFiles: values.policy ?? [],
      yes: values.yes ?? false,
      mask: { regions, windows: windows.flatMap((re) => [{ title: re }, { className: re }]) },
      takeover: !values['no-takeover'],
      ...(values['stop-key'] !== undefined ? { stopChord: values['stop-key'] } : {}),
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Asks on the terminal; anything but y/yes denies. */
function ttyConfirmer(): Confirmer {
  return async (action: ScreenAction, verdict: SafetyVerdict) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`\nsafety: rule ${verdict.rule} (${verdict.reason ?? verdict.decision}) wants confirmation for: ${terminalSafe(describeAction(action))}\nallow it? [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}

function progress(event: LoopEvent): void {
  if (event.type === 'step_recorded') process.stderr.write(formatStep(event.record) + '\n');
  if (event.type === 'status' && event.status !== 'running') process.stderr.write(`[${formatStatus(event.status, event.message)}]\n`);
  if (event.type === 'status' && event.status === 'paused') {
    const how = process.stdin.isTTY ? 'Press Enter' : `Send SIGUSR1 (kill -USR1 ${process.pid})`;
    process.stderr.write(`paused: the user took over. ${how} to resume.\n`);
  }
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

/** Opens, runs and closes one run; returns the exit code (0 when it ended in success). */
export async function runInTerminal(request: Omit<RunRequest, 'onEvent' | 'onWarning' | 'onEmergencyStop'>): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const safety = request.safety ?? {};
  let opened: OpenRun;
  try {
    opened = await openRun({
      ...request,
      safety: { ...safety, ...(interactive && !safety.confirm ? { confirm: ttyConfirmer() } : {}) },
      onEvent: progress,
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      onEmergencyStop: () => process.stderr.write('emergency stop\n'),
    });
  } catch (error) {
    if (error instanceof RunInputError) throw new UsageError(error.message);
    throw error;
  }
  const { pause } = opened;
  const onResume = () => {
    if (pause.paused) process.stderr.write('resuming\n');
    pause.resume();
  };
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('stopping after the current action (Ctrl+C again to quit now)\n');
    opened.stop();
  };
  process.stderr.write(`run ${opened.id}: trace in ${opened.dir}\n`);
  process.on('SIGINT', onSigint);
  process.on('SIGUSR1', onResume);
  const stopResumeKeys = resumeOnEnter(pause);
  try {
    const outcome = await opened.run();
    process.stdout.write(`${formatStatus(outcome.status, outcome.message)}\ntrace: ${opened.dir}\n`);
    return outcome.status === 'success' ? 0 : 1;
  } finally {
    stopResumeKeys();
    process.off('SIGINT', onSigint);
    process.off('SIGUSR1', onResume);
    await opened.close();
  }
}
