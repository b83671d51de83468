/**
 * Local model packages for the Run screen's model picker and the Settings screen: the same folder and
 * listing that `deskpilot model pull` installs into and `deskpilot model list` prints.
 */
import { formatBytes, listPackages, modelsRoot } from '../../models/hub/store.ts';
import type { ModelPackageP } from '../protocol/messages.ts';

export function defaultModelsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [modelsRoot(env)];
}

export async function findModelPackages(dirs: string[]): Promise<ModelPackageP[]> {
  return dirs.flatMap((dir) =>
    listPackages(dir).map((p) => ({ name: p.name, path: p.dir, spec: `kimi-vl:${p.dir}`, dtype: p.dtype, size: formatBytes(p.bytes) })),
  );
}
