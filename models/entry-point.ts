/**
 * Where a part of DeskPilot that runs on its own starts: the desktop driver process, the model worker
 * thread, the CLI the app starts for task runs. Code compiled by `npm run build` (dist/app/*.js) starts
 * the built entry beside it with plain Node; code run from its TypeScript sources (the CLI through
 * bin/deskpilot.js, the tests) starts the source, under tsx where it is TypeScript. It sits in models/,
 * the lowest layer, so the worker host and the driver client decide it in this one place.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The entries electron/build.ts writes to dist/app/ (APP_ENTRIES there), besides the main process. */
export type BuiltEntry = 'driver' | 'kimi-worker' | 'cli';

export interface EntryPoint {
  /** The file to fork, spawn with node, or hand to a Worker. */
  file: string;
  /** Node options it needs: the tsx loader (by its full path, so any working directory does) for a .ts source, nothing for JavaScript. */
  execArgv: string[];
}

/** This module is a chunk of the build when its own file is JavaScript: tsx and vitest load it as .ts. */
const RUNNING_BUILT = !import.meta.url.endsWith('.ts');

/**
 * `source`: the entry in the source tree (a .ts file, or a .js shim that loads tsx itself). From the
 * build, the built entry beside this chunk; a build that lacks it is an error saying how to mend it.
 */
export function entryPoint(name: BuiltEntry, source: URL): EntryPoint {
  if (!RUNNING_BUILT) {
    const file = fileURLToPath(source);
    if (!file.endsWith('.ts')) return { file, execArgv: [] };
    return { file, execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] };
  }
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (!existsSync(file)) {
    throw new Error(`the build in ${dirname(file)} has no ${name}.js (a build left incomplete or from an older version); run npm run build again`);
  }
  return { file, execArgv: [] };
}
