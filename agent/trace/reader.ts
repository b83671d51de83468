/**
 * Loads a run folder, upgrading old records and validating every line. Corrupt input is reported with
 * the file, line and field; a torn last line (the run was killed mid-write) is dropped with a warning.
 */
import { constants as bufferConstants } from 'node:buffer';
import { constants as fsConstants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { TRACE_FILES } from './run-id.ts';
import { runInfoSchema, stepRecordSchema, trajLineSchema } from './schema.ts';
import type { RunInfo, StepRecord, TrajLine } from './types.ts';
import { TraceVersionError, upgradeRecord, type RecordKind, type UpgradeTable, UPGRADERS } from './upgrade.ts';

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

/** The largest trace file read whole: the longest string V8 can make (about 512 MiB). */
export const MAX_TRACE_FILE_BYTES = bufferConstants.MAX_STRING_LENGTH;

/**
 * One file of a trace as text, or undefined when it does not exist. A FIFO, device or folder in its
 * place is refused rather than waited on (opened non-blocking), and so is a file too big to read whole.
 */
async function readTraceFile(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new TraceFormatError(path, undefined, undefined, 'is not a regular file (a FIFO, device or folder); a trace holds plain files');
    if (info.size > MAX_TRACE_FILE_BYTES) {
      throw new TraceFormatError(path, undefined, undefined, `is ${info.size} bytes, more than the ${MAX_TRACE_FILE_BYTES} bytes a trace file can be read with; split the run or trim the file`);
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** The warning for a last line a killed (or still writing) run left incomplete. */
export const TORN_LAST_LINE = 'last line is incomplete (the run was cut off while writing it); ignored';

function readJsonLines<T>(
  text: string,
  file: string,
  schema: z.ZodType<T>,
  kind: RecordKind | undefined,
  table: UpgradeTable,
  warnings: string[],
  skipBad = false,
): T[] {
  const lines = text.split('\n');
  const torn = !text.endsWith('\n') && text.length > 0;
  if (!torn) lines.pop(); // the empty string after the final newline
  const out: T[] = [];
  lines.forEach((line, i) => {
    const isLast = i === lines.length - 1;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (isLast && torn) {
        warnings.push(`${file}:${i + 1}: ${TORN_LAST_LINE}`);
        return;
      }
      if (skipBad) return void warnings.push(`${file}:${i + 1}: is not valid JSON; skipped`);
      throw new TraceFormatError(file, i + 1, undefined, 'is not valid JSON');
    }
    try {
      out.push(validate(schema, kind, value, file, i + 1, table));
    } catch (error) {
      if (!skipBad || !(error instanceof TraceFormatError)) throw error;
      warnings.push(`${error.message}; skipped`);
    }
  });
  return out;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** run.json of a trace folder, upgraded and validated. */
export async function loadRunInfo(dir: string, table: UpgradeTable = UPGRADERS): Promise<RunInfo> {
  const runPath = join(dir, TRACE_FILES.run);
  const runText = await readTraceFile(runPath);
  if (runText === undefined) throw new TraceFormatError(runPath, undefined, undefined, 'is missing: this folder is not a deskpilot trace');
  let runJson: unknown;
  try {
    runJson = JSON.parse(runText);
  } catch {
    throw new TraceFormatError(runPath, undefined, undefined, 'is not valid JSON');
  }
  return validate(runInfoSchema, 'run', runJson, runPath, undefined, table) as RunInfo;
}

/**
 * steps.jsonl of a trace folder. Strict by default (the first bad line is an error); `skipBad` skips
 * bad lines with a warning each instead, for viewers that should show what they can.
 */
export async function loadSteps(dir: string, options: { skipBad?: boolean; table?: UpgradeTable } = {}): Promise<{ steps: StepRecord[]; warnings: string[] }> {
  const warnings: string[] = [];
  const stepsPath = join(dir, TRACE_FILES.steps);
  const stepsText = (await readTraceFile(stepsPath)) ?? '';
  const steps = readJsonLines(stepsText, stepsPath, stepRecordSchema, 'step', options.table ?? UPGRADERS, warnings, options.skipBad) as StepRecord[];
  return { steps, warnings };
}

export async function readTrace(dir: string, table: UpgradeTable = UPGRADERS): Promise<LoadedTrace> {
  const run = await loadRunInfo(dir, table);
  const stepsPath = join(dir, TRACE_FILES.steps);
  const { steps, warnings } = await loadSteps(dir, { table });
  steps.forEach((s, i) => {
    if (s.step !== i + 1) throw new TraceFormatError(stepsPath, i + 1, 'step', `is ${s.step}, expected ${i + 1} (steps must be consecutive)`);
  });
  for (const s of steps) {
    if (!(await exists(join(dir, s.screenshot)))) warnings.push(`step ${s.step}: screenshot ${s.screenshot} is missing`);
  }

  const trajPath = join(dir, TRACE_FILES.traj);
  const traj = readJsonLines((await readTraceFile(trajPath)) ?? '', trajPath, trajLineSchema, undefined, table, warnings) as TrajLine[];

  const finished = !['running', 'paused', 'awaiting_confirmation'].includes(run.status);
  if (!finished) warnings.push(`run.json still says "${run.status}": the run is in progress or was killed`);
  return { dir, run: { ...run, steps: Math.max(run.steps, steps.length) }, steps, traj, finished, warnings };
}
