/** Finds local model packages (folders holding a manifest.json) for the Run screen's model picker. */
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ModelPackageP } from '../protocol.ts';
import { exists } from './run-folders.ts';

/** DESKPILOT_MODELS (path-list) wins; otherwise the per-user cache folder. */
export function defaultModelsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = env.DESKPILOT_MODELS?.split(':').filter((d) => d.length > 0);
  if (configured && configured.length > 0) return configured;
  const cache = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return [join(cache, 'deskpilot', 'models')];
}

export async function findModelPackages(dirs: string[]): Promise<ModelPackageP[]> {
  const found: ModelPackageP[] = [];
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      if (await exists(join(path, 'manifest.json'))) found.push({ name, path, spec: `kimi-vl:${path}` });
    }
  }
  return found;
}
