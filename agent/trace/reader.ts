/**
 * The one reader of run folders: upgrades old records and validates every line, so the CLI, the
 * replay backend, the UI server and the report all trust what they load. Corrupt input is reported
 * with the file, line and field; a torn last line (the run was killed mid-write) is dropped with a
 * warning. Tolerant mode (ReadOptions) is for runs that may be live.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { TRACE_FILES } from './run-id.ts';
import { runInfoSchema, stepRecordSchema, trajLineSchema } from './schema.ts';
import type { RunInfo, StepRecord, TrajLine } from './types.ts';
import { TraceVersionError, upgradeRecord, UPGRADERS, type RecordKind, type UpgradeTable } from './upgrade.ts';

export interface LoadedTrace {
  dir: string;
  run: RunInfo;
  steps: StepRecord[];
  traj: TrajLine[];
  /** False while run.json still says running/paused: the run is in progress or was killed. */
  finished: boolean;
  /** Things that were wrong but recoverable (torn last line, missing screenshot). */
  warnings: string[];
}

export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field ? `field "${field}" ` : ''}${detail}`);
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function validate<T>(
  schema: z.ZodType<T>,
  kind: RecordKind | undefined,
  value: unknown,
  file: string,
  line: number | undefined,
  table: UpgradeTable,
): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceFormatError(file, line, undefined, 'is not a JSON object');
  }
  let record = value as Record<string, unknown>;
  if (kind) {
    try {
      record = upgradeRecord(kind, record, table);
    } catch (error) {
      if (error instanceof TraceVersionError) throw new TraceFormatError(file, line, undefined, error.message);
      throw error;
    }
  }
  const parsed = schema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TraceFormatError(file, line, fieldPath(issue.path) || undefined, issue.message);
  }
  return parsed.data;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface ReadOptions {
  /**
   * For a run that may still be writing (the UI server reads live runs) or was left broken: the first
   * line of steps.jsonl or traj.jsonl that cannot be read ends its list with a warning instead of
   * throwing. run.json must still be valid, or there is no run to show.
   */
  tolerant?: boolean;
  /** How old records are brought up to date (tests give their own). */
  upgrades?: UpgradeTable;
}

/**
 * The records of a JSON-lines file. A last line without its newline (the writer is mid-line, or was
 * killed there) is dropped with a warning in both modes; in tolerant mode so is everything from the
 * first bad line on.
 */
function readJsonLines<T>(
  text: string,
  file: string,
  read: (value: unknown, line: number, index: number) => T,
  tolerant: boolean,
  warnings: string[],
): T[] {
  const lines = text.split('\n');
  const lastIsTorn = !text.endsWith('\n') && text.length > 0;
  if (!lastIsTorn) lines.pop(); // the empty string after the final newline
  const out: T[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new TraceFormatError(file, i + 1, undefined, 'is not valid JSON');
      }
      out.push(read(value, i + 1, out.length));
    } catch (error) {
      if (!(error instanceof TraceFormatError)) throw error;
      if (lastIsTorn && i === lines.length - 1) {
        warnings.push(`${file}:${i + 1}: last line is incomplete (the run is writing it, or was cut off while writing it); ignored`);
      } else if (tolerant) {
        warnings.push(`${error.message}; this line and the ones after it are left out`);
      } else {
        throw error;
      }
      break;
    }
  }
  return out;
}

/** run.json, upgraded and validated. Throws TraceFormatError when it is missing or wrong. */
export async function readRunInfo(dir: string, options: ReadOptions = {}): Promise<RunInfo> {
  const runPath = join(dir, TRACE_FILES.run);
  const runText = await readOptional(runPath);
  if (runText === undefined) throw new TraceFormatError(runPath, undefined, undefined, 'is missing: this folder is not a deskpilot trace');
  let runJson: unknown;
  try {
    runJson = JSON.parse(runText);
  } catch {
    throw new TraceFormatError(runPath, undefined, undefined, 'is not valid JSON');
  }
  return validate(runInfoSchema, 'run', runJson, runPath, undefined, options.upgrades ?? UPGRADERS) as RunInfo;
}

/** steps.jsonl, each line upgraded and validated, numbered 1, 2, 3...; none when the file is missing. */
export async function readStepRecords(dir: string, options: ReadOptions = {}): Promise<{ steps: StepRecord[]; warnings: string[] }> {
  const warnings: string[] = [];
  const stepsPath = join(dir, TRACE_FILES.steps);
  const text = (await readOptional(stepsPath)) ?? '';
  const steps = readJsonLines(
    text,
    stepsPath,
    (value, line, index) => {
      const step = validate(stepRecordSchema, 'step', value, stepsPath, line, options.upgrades ?? UPGRADERS) as StepRecord;
      if (step.step !== index + 1) throw new TraceFormatError(stepsPath, line, 'step', `is ${step.step}, expected ${index + 1} (steps must be consecutive)`);
      return step;
    },
    options.tolerant ?? false,
    warnings,
  );
  return { steps, warnings };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function readTrace(dir: string, options: ReadOptions = {}): Promise<LoadedTrace> {
  const run = await readRunInfo(dir, options);
  const { steps, warnings } = await readStepRecords(dir, options);
  for (const s of steps) {
    if (!(await exists(join(dir, s.screenshot)))) warnings.push(`step ${s.step}: screenshot ${s.screenshot} is missing`);
  }

  const trajPath = join(dir, TRACE_FILES.traj);
  const upgrades = options.upgrades ?? UPGRADERS;
  const traj = readJsonLines(
    (await readOptional(trajPath)) ?? '',
    trajPath,
    (value, line) => validate(trajLineSchema, undefined, value, trajPath, line, upgrades) as TrajLine,
    options.tolerant ?? false,
    warnings,
  );

  const finished = !['running', 'paused', 'awaiting_confirmation'].includes(run.status);
  if (!finished) warnings.push(`run.json still says "${run.status}": the run is in progress or was killed`);
  return { dir, run: { ...run, steps: Math.max(run.steps, steps.length) }, steps, traj, finished, warnings };
}
