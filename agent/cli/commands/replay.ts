/**
 * deskpilot replay <trace-dir> [--execute] [--from-step N] [--display :N] [--monitor ID]
 * Prints the recorded steps; with --execute performs the recorded screen actions again on the current
 * display, waiting for the screen to settle after each step. Exit 1 if an action fails, 2 on bad input.
 */
import { DesktopEnvironment } from '../../env/desktop/environment.ts';
import type { DisplayInfo } from '../../env/types.ts';
import { describeAction } from '../../protocol/describe.ts';
import { formatStatus, formatStep, terminalSafe } from '../../loop/progress.ts';
import { readTrace, TraceFormatError, type LoadedTrace } from '../../trace/reader.ts';
import { remapAction, replayPlan } from '../../trace/replay-plan.ts';
import { parseCommandLine, UsageError } from '../usage.ts';

const USAGE = `usage: deskpilot replay <trace-dir> [options]
  --execute         perform the recorded actions again on the current display
  --from-step N     start at step N (default 1)
  --display :N      X display to act on with --execute (default: $DISPLAY)
  --monitor ID      monitor to act on (default: the one recorded, else the primary)`;

interface ReplayArgs {
  dir: string;
  execute: boolean;
  fromStep: number;
  display?: string;
  monitor?: string;
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
    ...(display !== undefined ? { display } : {}),
    ...(values.monitor !== undefined ? { monitor: values.monitor } : {}),
  };
}

function printTrace(trace: LoadedTrace, fromStep: number): void {
  const { run } = trace;
  process.stdout.write(terminalSafe(`run ${run.id}: ${JSON.stringify(run.instruction)}`) + '\n' + terminalSafe(`model ${run.model} (${run.family}), ${run.steps} steps, `) + formatStatus(run.status, run.message) + '\n');
  for (const step of trace.steps) if (step.step >= fromStep) process.stdout.write(formatStep(step) + '\n');
}

function targetDisplay(displays: DisplayInfo[], recorded: DisplayInfo, monitor?: string): DisplayInfo {
  const found = monitor !== undefined ? displays.find((d) => d.id === monitor) : (displays.find((d) => d.id === recorded.id) ?? displays.find((d) => d.primary) ?? displays[0]);
  if (!found) throw new UsageError(`--monitor ${monitor} does not exist; monitors are ${displays.map((d) => d.id).join(', ')}`);
  return found;
}

async function execute(trace: LoadedTrace, args: ReplayArgs): Promise<number> {
  if (process.platform === 'linux' && !args.display) throw new UsageError('--execute needs an X display: pass --display :N or set DISPLAY');
  const environment = new DesktopEnvironment(args.display !== undefined ? { display: args.display } : {});
  let failures = 0;
  try {
    let displays: DisplayInfo[];
    try {
      displays = await environment.displays();
    } catch (error) {
      throw new UsageError(`cannot use display ${args.display}: ${(error as Error).message}`);
    }
    for (const planned of replayPlan(trace.steps, args.fromStep)) {
      const to = targetDisplay(displays, planned.display, args.monitor);
      const before = await environment.observe(to.id);
      for (const action of planned.actions) {
        const moved = remapAction(action, planned.display, to);
        const result = await environment.execute(moved);
        if (!result.ok) {
          failures += 1;
          process.stderr.write(`step ${planned.step}: ${describeAction(moved)} failed: ${result.error}\n`);
        }
      }
      if (planned.actions.length > 0) await environment.settle(before);
      const skipped = planned.skipped ? `, ${planned.skipped} not replayed (not executed originally or final)` : '';
      process.stderr.write(`step ${planned.step}: replayed ${planned.actions.length} action(s)${skipped}\n`);
    }
  } finally {
    await environment.dispose();
  }
  return failures === 0 ? 0 : 1;
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
