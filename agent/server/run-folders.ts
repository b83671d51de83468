/**
 * Run folders as protocol shapes, read by the trace reader in its tolerant mode: the library must show
 * a run that is being written, or was killed mid-line.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { RunP, StepP } from '../protocol/messages.ts';
import { readRunInfo as readRunJson, readStepRecords } from '../trace/reader.ts';
import type { RunInfo, StepRecord } from '../trace/types.ts';

export type FileUrl = (runId: string, file: string) => string;

/** Resolves a run id (a relative folder path) inside the runs folder; refuses anything that escapes it. */
export function runPath(runsDir: string, runId: string): string {
  const root = resolve(runsDir);
  const dir = resolve(root, runId);
  if (dir !== root && !dir.startsWith(root + sep)) throw new Error(`run id "${runId}" points outside the runs folder`);
  return dir;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** run.json of a folder as the protocol's Run, or undefined when it has none or it cannot be read. */
export async function readRunInfo(runsDir: string, runId: string, live = false): Promise<RunP | undefined> {
  try {
    return toRun(runId, await readRunJson(runPath(runsDir, runId)), live);
  } catch {
    return undefined;
  }
}

export function toRun(runId: string, info: RunInfo, live: boolean): RunP {
  return {
    id: runId,
    instruction: info.instruction,
    model: info.model,
    status: info.status,
    startedAt: info.startedAt,
    endedAt: info.endedAt,
    message: info.message,
    steps: info.steps,
    settings: info.settings,
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
    thinking: record.thinking,
    thought: record.thought,
    summary: record.summary,
    actions: record.actions,
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

/** The steps recorded so far; a torn or corrupt line ends the list, and the warnings say so. */
export async function readSteps(runsDir: string, runId: string, fileUrl: FileUrl): Promise<{ steps: StepP[]; warnings: string[] }> {
  const { steps, warnings } = await readStepRecords(runPath(runsDir, runId), { tolerant: true });
  return { steps: steps.map((r) => toStep(runId, r, fileUrl)), warnings };
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
