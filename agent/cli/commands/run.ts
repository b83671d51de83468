/**
 * deskpilot run "<instruction>" --model <spec> [--display :N] [--monitor ID] [--out DIR]
 *   [--max-steps N] [--task ID] [--thinking] [--verify-done]
 * Exit 0 when the model finished the task (done), 1 for fail / stall / step cap / stop / error,
 * 2 for bad usage or input. Progress goes to stderr, the outcome to stdout.
 */
import { join } from 'node:path';
import { newRunId } from '../../trace/run-id.ts';
import { runInTerminal, SAFETY_FLAGS, SAFETY_USAGE, safetyFromFlags } from '../terminal-run.ts';
import { parseCommandLine, UsageError } from '../usage.ts';
import { HISTORY_OPTIONS, HISTORY_USAGE, parseHistoryOptions } from '../history-options.ts';
import type { HistoryOptions } from '../../prompts/types.ts';
import type { SafetyOptions } from '../../run/safety-hooks.ts';
import { parseReasoningOptions, REASONING_OPTIONS, REASONING_USAGE } from '../reasoning-options.ts';
import type { ReasoningOptions } from '../../run/reasoning.ts';

const USAGE = `usage: deskpilot run "<instruction>" --model <spec> [options]
  --model SPEC      kimi-vl:<dir> | openai:<url>#<model> | replay:<trace-dir> | script:<file-or-dir>
  --display :N      X display to act on (default: $DISPLAY)
  --monitor ID      monitor of that display (default: the primary one)
  --out DIR         trace folder to create (default: runs/<run-id>)
  --max-steps N     step cap (default 15)
  --task ID         task id (picks <dir>/<ID>.json for script:<dir>)
  --thinking        let a thinking model think before answering
${HISTORY_USAGE}
${REASONING_USAGE}
${SAFETY_USAGE}`;

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
  reasoning: ReasoningOptions;
  safety: SafetyOptions;
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
      ...REASONING_OPTIONS,
      ...SAFETY_FLAGS,
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
  return {
    instruction: positionals[0]!,
    model: values.model,
    maxSteps,
    thinking: values.thinking ?? false,
    history: parseHistoryOptions(values),
    reasoning: parseReasoningOptions(values),
    safety: safetyFromFlags(values),
    ...(display !== undefined ? { display } : {}),
    ...(values.monitor !== undefined ? { monitor: values.monitor } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.task !== undefined ? { task: values.task } : {}),
  };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseRunArgs(argv);
  if (args === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const id = newRunId();
  return runInTerminal({
    id,
    out: args.out ?? join('runs', id),
    instruction: args.instruction,
    model: args.model,
    maxSteps: args.maxSteps,
    thinking: args.thinking,
    history: args.history,
    reasoning: args.reasoning,
    safety: args.safety,
    ...(args.display !== undefined ? { display: args.display } : {}),
    ...(args.monitor !== undefined ? { monitor: args.monitor } : {}),
    ...(args.task !== undefined ? { taskId: args.task } : {}),
  });
}
