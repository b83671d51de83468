/**
 * The reasoning options `run` and `bench` share (extra model calls per step to decide better, zoom-in
 * clicks included).
 * Input: the raw option values; output: ReasoningOptions, or a UsageError naming the bad value.
 */
import type { ReasoningOptions } from '../run/reasoning.ts';
import { DEFAULT_RETHINK_TOKENS, DEFAULT_VERIFY_LIMIT } from '../protocol/messages.ts';
import { parseModelSpec } from '../backends/spec.ts';
import { UsageError } from './usage.ts';

export const REASONING_USAGE = `reasoning (extra model calls per step; each costs tokens and time):
  --verify-done       before accepting done, ask the model whether the screen shows the task complete;
                      a "no" keeps the run going with the reason as feedback
  --verify-limit N    most "no" verdicts honoured per run (default ${DEFAULT_VERIFY_LIMIT})
  --verify-model SPEC ask this model instead of the run's own
  --rethink           (thinking models, with --thinking) before acting on a done, an action the safety
                      policy would ask about, or the same actions as the step before, append "Wait, let
                      me check the screenshot again" to the thinking and let the model go on; the second
                      answer runs
  --rethink-tokens N  most tokens that second look may add (default ${DEFAULT_RETHINK_TOKENS})
  --samples N         best of N: N replies per step on the same prompt (2..16), grouped by action and
                      target; one is chosen by
  --select M          vote (default: the largest group) | judge (the model picks among the groups)
  --zoom-clicks       before each click runs, the model looks again at a native-resolution crop around
                      its point, and the click goes where that look points (a live model, not replay:)`;

/** parseArgs option definitions. */
export const REASONING_OPTIONS = {
  'verify-done': { type: 'boolean' },
  'verify-limit': { type: 'string' },
  'verify-model': { type: 'string' },
  rethink: { type: 'boolean' },
  'rethink-tokens': { type: 'string' },
  samples: { type: 'string' },
  select: { type: 'string' },
  'zoom-clicks': { type: 'boolean' },
} as const;

export type ReasoningValues = { [K in keyof typeof REASONING_OPTIONS]?: (typeof REASONING_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function wholeNumber(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

export function parseReasoningOptions(values: ReasoningValues): ReasoningOptions {
  const out: ReasoningOptions = {};
  const limit = values['verify-limit'];
  const judge = values['verify-model'];
  if (!values['verify-done'] && (limit !== undefined || judge !== undefined)) {
    throw new UsageError('--verify-limit and --verify-model need --verify-done');
  }
  if (values['verify-done']) {
    if (judge !== undefined) {
      try {
        parseModelSpec(judge);
      } catch (error) {
        throw new UsageError(`--verify-model: ${(error as Error).message}`);
      }
    }
    out.verifyDone = {
      limit: limit === undefined ? DEFAULT_VERIFY_LIMIT : wholeNumber('verify-limit', limit, 1, 100),
      ...(judge !== undefined ? { model: judge } : {}),
    };
  }
  const select = values.select;
  if (select !== undefined && select !== 'vote' && select !== 'judge') throw new UsageError(`--select must be vote or judge (got "${select}")`);
  if (values.samples === undefined && select !== undefined) throw new UsageError('--select needs --samples N');
  if (values.samples !== undefined) out.samples = { n: wholeNumber('samples', values.samples, 2, 16), select: select ?? 'vote' };
  const tokens = values['rethink-tokens'];
  if (!values.rethink && tokens !== undefined) throw new UsageError('--rethink-tokens needs --rethink');
  if (values.rethink) out.rethink = { maxTokens: tokens === undefined ? DEFAULT_RETHINK_TOKENS : wholeNumber('rethink-tokens', tokens, 1, 8192) };
  if (values['zoom-clicks']) out.zoomClicks = true;
  return out;
}

/** bench's hand parser: which reasoning flags take a value and which stand alone. */
export const REASONING_VALUE_FLAGS = Object.entries(REASONING_OPTIONS).filter(([, d]) => d.type === 'string').map(([k]) => `--${k}`);
export const REASONING_BOOL_FLAGS = Object.entries(REASONING_OPTIONS).filter(([, d]) => d.type === 'boolean').map(([k]) => `--${k}`);

/** bench's flag map -> the values parseReasoningOptions reads. */
export function reasoningValuesFrom(flags: Map<string, string | true>): ReasoningValues {
  const values: Record<string, string | boolean | undefined> = {};
  for (const [k, d] of Object.entries(REASONING_OPTIONS)) {
    const v = flags.get(`--${k}`);
    values[k] = d.type === 'boolean' ? v === true : typeof v === 'string' ? v : undefined;
  }
  return values as ReasoningValues;
}
