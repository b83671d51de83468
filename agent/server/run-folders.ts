/**
 * Reads run folders (run.json + steps.jsonl, the format of agent/trace/types.ts) into protocol shapes.
 * Tolerant on purpose: the library must list a run that is being written, or was killed mid-line.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { RunP, StepP } from '../protocol.ts';
import type { RunInfo, StepRecord } from '../trace/types.ts';

export type FileUrl = (runId: string, file: string) => string;

/** Resolves a run id (a relative folder path) inside the runs folder; refuses anything that escapes it. */
export function runPath(runsDir: string, runId: string): string {
  const root = resolve(runsDir);
  const dir = resolve(root, runId);
  if (dir !== root && !dir.startsWith(root + sep)) throw new Error(`run id "${runId}" points outside the runs folder`);
  return dir;
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** run.json of a folder as the protocol's Run, or undefined when it has none or it is unreadable. */
export async function readRunInfo(runsDir: string, runId: string, live = false): Promise<RunP | undefined> {
  let info: Partial<RunInfo>;
  try {
    info = (await readJson(join(runPath(runsDir, runId), 'run.json'))) as Partial<RunInfo>;
  } catch {
    return undefined;
  }
  if (typeof info !== 'object' || info === null || typeof info.instruction !== 'string') return undefined;
  return toRun(runId, info as RunInfo, live);
}

export function toRun(runId: string, info: RunInfo, live: boolean): RunP {
  return {
    id: runId,
    instruction: info.instruction,
    model: String(info.model ?? ''),
    status: info.status ?? 'error',
    startedAt: String(info.startedAt ?? ''),
    endedAt: info.endedAt,
    message: info.message,
    steps: Number(info.steps ?? 0),
    settings: { ...(info.settings ?? {}), maxSteps: Number(info.settings?.maxSteps ?? 0) },
    taskId: info.taskId,
    live,
  };
}

export function toStep(runId: string, record: StepRecord, fileUrl: FileUrl): StepP {
  return {
    step: record.step,
    startedAt: record.startedAt,
    screenshotUrl: fileUrl(runId, record.screenshot),
    observation: record.observation,
    raw: record.raw,
    thinking: record.thinking ?? '',
    thought: record.thought ?? '',
    summary: record.summary,
    actions: record.actions ?? [],
    parseError: record.parseError,
    feedback: record.feedback,
    timings: record.timings,
    model: {
      promptTokens: record.usage?.promptTokens,
      cachedTokens: record.usage?.cachedTokens,
      visionMs: record.timings.generation?.visionMs,
      prefillMs: record.timings.generation?.prefillMs,
      decodeTokensPerSecond: record.timings.generation?.decodeTokensPerSecond,
    },
  };
}

/** steps.jsonl records; a torn or corrupt line ends the list (a killed writer leaves at most one). */
export async function readStepRecords(dir: string): Promise<StepRecord[]> {
  let text: string;
  try {
    text = await readFile(join(dir, 'steps.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const records: StepRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as StepRecord);
    } catch {
      break;
    }
  }
  return records;
}

export async function readSteps(runsDir: string, runId: string, fileUrl: FileUrl): Promise<StepP[]> {
  const records = await readStepRecords(runPath(runsDir, runId));
  return records.map((r) => toStep(runId, r, fileUrl));
}

/** Every top-level run folder of the runs folder, newest first. */
export async function listRunIds(runsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const name of names) {
    if (await exists(join(runsDir, name, 'run.json'))) ids.push(name);
  }
  return ids.sort().reverse();
}
