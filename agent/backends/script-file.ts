/**
 * script:<file.json> or script:<dir> (+ taskId -> <dir>/<taskId>.json). The file:
 *   {"family": "kimi"|"uitars"|"pyautogui"|"computer_13", "replies": ["...", ...],
 *    "coordinates"?: "relative"|"thousand"|"image"|"screen", "delayMs"?: number}
 * Each generate() returns the next reply; when they run out the run ends with a clear error.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BackendInputError } from './errors.ts';
import { defaultCoordinates, MODEL_FAMILIES } from '../../models/family.ts';
import { ScriptedBackend } from './scripted.ts';

const scriptSchema = z.object({
  family: z.enum(MODEL_FAMILIES as [string, ...string[]]),
  replies: z.array(z.string()).min(1, 'must hold at least one reply'),
  coordinates: z.enum(['relative', 'thousand', 'image', 'screen']).optional(),
  delayMs: z.number().nonnegative().max(600_000).optional(),
});

export interface ScriptOptions {
  /** Picks <dir>/<taskId>.json when the spec names a folder. */
  taskId?: string;
}

/** Resolves the script file a spec path names, with clear errors for a folder without a task id. */
export async function resolveScriptFile(path: string, options: ScriptOptions = {}): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new BackendInputError(`script ${path} does not exist`);
  }
  if (!info.isDirectory()) return path;
  const taskId = options.taskId;
  if (taskId === undefined) throw new BackendInputError(`script ${path} is a folder: a task id is needed to pick <task-id>.json in it`);
  if (!/^[\w.-]+$/.test(taskId) || taskId.startsWith('.')) {
    throw new BackendInputError(`task id "${taskId}" cannot name a script file (letters, digits, _ . - only)`);
  }
  const file = join(path, `${taskId}.json`);
  try {
    await stat(file);
  } catch {
    throw new BackendInputError(`script folder ${path} has no ${taskId}.json for task "${taskId}"`);
  }
  return file;
}

export async function openScriptBackend(spec: string, path: string, options: ScriptOptions = {}): Promise<ScriptedBackend> {
  const file = await resolveScriptFile(path, options);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new BackendInputError(`script ${file} is not readable JSON: ${(error as Error).message}`);
  }
  const parsed = scriptSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(top level)';
    throw new BackendInputError(`script ${file}: field "${field}": ${issue.message}`);
  }
  const script = parsed.data;
  const family = script.family as (typeof MODEL_FAMILIES)[number];
  return new ScriptedBackend({
    spec,
    family,
    coordinates: script.coordinates ?? defaultCoordinates(family),
    replies: script.replies,
    source: `script ${file}`,
    ...(script.delayMs !== undefined ? { delayMs: script.delayMs } : {}),
  });
}
