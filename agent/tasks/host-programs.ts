/** What this host can run: installed programs and gsettings schemas, probed once per process. */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const found = new Map<string, string | null>();

/** Full path of a program on PATH (or the path itself when absolute and executable), else null. */
export function whichSync(program: string): string | null {
  if (found.has(program)) return found.get(program)!;
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, program));
  let hit: string | null = null;
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      hit = c;
      break;
    } catch {
      // not here
    }
  }
  found.set(program, hit);
  return hit;
}

let schemas: Set<string> | undefined;

export function gsettingsSchemaInstalled(schema: string): boolean {
  if (!schemas) {
    try {
      schemas = new Set(execFileSync('gsettings', ['list-schemas'], { encoding: 'utf8', timeout: 5000 }).split('\n'));
    } catch {
      schemas = new Set();
    }
  }
  return schemas.has(schema);
}
