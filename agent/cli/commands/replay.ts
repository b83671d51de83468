/**
 * deskpilot replay <trace-dir> [--execute] [--from-step N] [--display :N] [--monitor ID] [--out DIR] ...
 * Prints the recorded steps; with --execute performs the recorded screen actions again on the current
 * display as a new run: each action goes through the safety policy (and confirmation), the stop chord
 * and takeover pause work, and the replayed steps are written to a new trace. Exit 0 when every step
 * was performed again, 1 when one was denied, failed or the run was stopped, 2 on bad input.
 */
import { join } from 'node:path';
import { formatStatus, formatStep, terminalSafe } from '../../loop/progress.ts';
import type { SafetyOptions } from '../../run/safety-hooks.ts';
import { readTrace, TraceFormatError, type LoadedTrace } from '../../trace/reader.ts';
import { newRunId } from '../../trace/run-id.ts';
import { runInTerminal, SAFETY_FLAGS, SAFETY_USAGE, safetyFromFlags } from '../terminal-run.ts';
import { parseCommandLine, UsageError } from '../usage.ts';

const USAGE = `usage: deskpilot replay <trace-dir> [options]
  --execute         perform the recorded actions again on the current display
  --from-step N     start at step N (default 1)
  --display :N      X display to act on with --execute (default: $DISPLAY)
  --monitor ID      monitor to act on (default: the one recorded, else the primary)
  --out DIR         with --execute: the new run's trace folder (default: runs/<run-id>)
${SAFETY_USAGE}`;

interface ReplayArgs {
  dir: string;
  execute: boolean;
  fromStep: number;
  display?: string;
  monitor?: string;
  out?: string;
  safety: SafetyOptions;
}

function parseReplayArgs(argv: string[]): ReplayArgs | 'help' {
  const parsed = parseCommandLine(
    {
    args: argv,
    allowPositionals: true,
    options: {
      execute: { type: 'boolean', default: false },
      'from-step': { type: 'string' },
      display: { type: 'string' },
      monitor: { type: 'string' },
      out: { type: 'string' },
      ...SAFETY_FLAGS,
      help: { type: 'boolean', short: 'h', default: false },
    },
    },
    USAGE,
  );
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`expected one trace folder (got ${positionals.length})\n${USAGE}`);
  const fromStep = values['from-step'] === undefined ? 1 : Number(values['from-step']);
  if (!Number.isInteger(fromStep) || fromStep < 1) throw new UsageError(`--from-step must be a whole number >= 1 (got "${values['from-step']}")`);
  const display = values.display ?? process.env['DISPLAY'];
  return {
    dir: positionals[0]!,
    execute: values.execute ?? false,
    fromStep,
    safety: safetyFromFlags(values),
    ...(display !== undefined ? { display } : {}),
    ...(values.monitor !== undefined ? { monitor: values.monitor } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}

function printTrace(trace: LoadedTrace, fromStep: number): void {
  const { run } = trace;
  process.stdout.write(terminalSafe(`run ${run.id}: ${JSON.stringify(run.instruction)}`) + '\n' + terminalSafe(`model ${run.model} (${run.family}), ${run.steps} steps, `) + formatStatus(run.status, run.message) + '\n');
  for (const step of trace.steps) if (step.step >= fromStep) process.stdout.write(formatStep(step) + '\n');
}

/** Performs the recorded steps again as a new run, under the same safety as a live one. */
function execute(trace: LoadedTrace, args: ReplayArgs): Promise<number> {
  if (process.platform === 'linux' && !args.display) throw new UsageError('--execute needs an X display: pass --display :N or set DISPLAY');
  const id = newRunId();
  return runInTerminal({
    id,
    out: args.out ?? join('runs', id),
    instruction: trace.run.instruction,
    maxSteps: 1,
    replay: { dir: args.dir, fromStep: args.fromStep },
    safety: args.safety,
    ...(args.display !== undefined ? { display: args.display } : {}),
    ...(args.monitor !== undefined ? { monitor: args.monitor } : {}),
  });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseReplayArgs(argv);
  if (args === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  let trace: LoadedTrace;
  try {
    trace = await readTrace(args.dir);
  } catch (error) {
    if (error instanceof TraceFormatError) throw new UsageError(error.message);
    throw error;
  }
  for (const warning of trace.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (trace.steps.length === 0) {
    const how = trace.finished ? formatStatus(trace.run.status, trace.run.message) : `run.json still says "${trace.run.status}": it was killed or is still starting`;
    throw new UsageError(`${args.dir} recorded no steps: the run ended before its first step (${how}); there is nothing to replay`);
  }
  if (args.fromStep > trace.steps.length) {
    throw new UsageError(`--from-step ${args.fromStep} is past the last recorded step (${trace.steps.length}) of ${args.dir}`);
  }
  printTrace(trace, args.fromStep);
  return args.execute ? execute(trace, args) : 0;
}
