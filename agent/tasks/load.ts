/**
 * Loads a task suite: an index file (`test_all.json` style, domain -> ids, each resolved to
 * `examples/<domain>/<id>.json` beside the index), a folder holding such an index or an `examples/`
 * tree, or any folder of task files (domain = the file's parent folder). A malformed file becomes a
 * LoadError naming its path and field; it never stops the other tasks from loading.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { IndexSchema, TaskSchema, describeZodError, type TaskFile } from './schema.ts';

export interface LoadedTask {
  id: string;
  domain: string;
  path: string;
  task: TaskFile;
}

export interface LoadError {
  path: string;
  domain?: string;
  id?: string;
  message: string;
}

export interface Suite {
  /** What was loaded, as given. */
  source: string;
  /** The suite's folder ({SUITE_DIR}): the index's folder, or the folder given. */
  root: string;
  tasks: LoadedTask[];
  errors: LoadError[];
}

export const INDEX_NAME = 'test_all.json';

/** Reads and parses JSON, turning a read or syntax failure into a message naming the file. */
function readJson(path: string): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `${path} is not valid JSON (${(error as Error).message})` };
  }
}

/** Loads and validates one task file; `expectedId` is the id the index or the file name promises. */
export function loadTaskFile(path: string, domain: string, expectedId?: string): LoadedTask | LoadError {
  const json = readJson(path);
  if (!json.ok) return { path, domain, id: expectedId, message: json.message };
  const parsed = TaskSchema.safeParse(json.value);
  if (!parsed.success) {
    return { path, domain, id: expectedId, message: `${path}: ${describeZodError(parsed.error)}` };
  }
  if (expectedId !== undefined && parsed.data.id !== expectedId) {
    return {
      path,
      domain,
      id: expectedId,
      message: `${path}: field id is "${parsed.data.id}" but the index / file name says "${expectedId}"; make them agree`,
    };
  }
  return { id: parsed.data.id, domain, path, task: parsed.data };
}

function isLoadError(x: LoadedTask | LoadError): x is LoadError {
  return 'message' in x;
}

function loadIndex(indexPath: string): Suite {
  const suite: Suite = { source: indexPath, root: dirname(indexPath), tasks: [], errors: [] };
  const json = readJson(indexPath);
  if (!json.ok) {
    suite.errors.push({ path: indexPath, message: json.message });
    return suite;
  }
  const parsed = IndexSchema.safeParse(json.value);
  if (!parsed.success) {
    suite.errors.push({
      path: indexPath,
      message: `${indexPath} is not an index of domain -> [task ids]: ${describeZodError(parsed.error)}`,
    });
    return suite;
  }
  const root = join(dirname(indexPath), 'examples');
  for (const [domain, ids] of Object.entries(parsed.data)) {
    for (const id of ids) add(suite, loadTaskFile(join(root, domain, `${id}.json`), domain, id));
  }
  return suite;
}

function add(suite: Suite, item: LoadedTask | LoadError): void {
  if (isLoadError(item)) {
    suite.errors.push(item);
    return;
  }
  const clash = suite.tasks.find((t) => t.id === item.id);
  if (clash) {
    suite.errors.push({ path: item.path, domain: item.domain, id: item.id, message: `${item.path}: task id ${item.id} is also used by ${clash.path}; ids must be unique` });
    return;
  }
  suite.tasks.push(item);
}

function walkJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walkJson(path));
    else if (name.endsWith('.json')) out.push(path);
  }
  return out;
}

function loadFolder(dir: string, root: string): Suite {
  const suite: Suite = { source: dir, root, tasks: [], errors: [] };
  for (const path of walkJson(dir)) {
    const domain = relative(dir, dirname(path)) === '' ? 'default' : basename(dirname(path));
    add(suite, loadTaskFile(path, domain, basename(path, '.json')));
  }
  return suite;
}

/** Loads an index file, a single task file, or a folder (see the module comment). */
export function loadSuite(source: string): Suite {
  const path = resolve(source);
  if (!existsSync(path)) {
    return { source, root: path, tasks: [], errors: [{ path, message: `${path} does not exist; give an index file (${INDEX_NAME}) or a folder of task files` }] };
  }
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, INDEX_NAME))) return loadIndex(join(path, INDEX_NAME));
    if (existsSync(join(path, 'examples'))) return loadFolder(join(path, 'examples'), path);
    return loadFolder(path, path);
  }
  const json = readJson(path);
  const looksLikeIndex =
    json.ok && typeof json.value === 'object' && json.value !== null && !('id' in json.value) && IndexSchema.safeParse(json.value).success;
  if (looksLikeIndex) return loadIndex(path);
  const suite: Suite = { source, root: dirname(path), tasks: [], errors: [] };
  add(suite, loadTaskFile(path, basename(dirname(path)), undefined));
  return suite;
}

/** Keeps the tasks of one domain and / or one shard (k of n, 1-based, by position in the suite). */
export function selectTasks(tasks: LoadedTask[], options: { domain?: string; shard?: { k: number; n: number } }): LoadedTask[] {
  let out = options.domain ? tasks.filter((t) => t.domain === options.domain) : tasks;
  if (options.shard) {
    const { k, n } = options.shard;
    out = out.filter((_, i) => i % n === k - 1);
  }
  return out;
}
