/** Where pulled snapshots and installed model packages live, and what is installed. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Installed packages: $DESKPILOT_MODELS, else $XDG_DATA_HOME/deskpilot/models, else ~/.local/share/deskpilot/models. */
export function modelsRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DESKPILOT_MODELS) return env.DESKPILOT_MODELS;
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'deskpilot', 'models');
}

/** Downloaded checkpoints: $DESKPILOT_CACHE/hub, else $XDG_CACHE_HOME/deskpilot/hub, else ~/.cache/deskpilot/hub. */
export function hubCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DESKPILOT_CACHE) return join(env.DESKPILOT_CACHE, 'hub');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'deskpilot', 'hub');
}

export interface InstalledPackage {
  name: string;
  dir: string;
  architecture: string;
  dtype: string;
  bytes: number;
  source?: string;
  revision?: string;
  /** Set when the folder has a manifest that could not be read. */
  problem?: string;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

/** Every folder under root with a manifest.json, sorted by name. */
export function listPackages(root = modelsRoot()): InstalledPackage[] {
  if (!existsSync(root)) return [];
  const out: InstalledPackage[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    const manifestPath = join(dir, 'manifest.json');
    if (!existsSync(manifestPath)) continue;
    const base = { name: entry.name, dir, bytes: folderBytes(dir) };
    try {
      const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { architecture?: string; dtype?: string; source?: { dir?: string; repo?: string; revision?: string } };
      out.push({ ...base, architecture: m.architecture ?? '?', dtype: m.dtype ?? '?', source: m.source?.repo ?? m.source?.dir, revision: m.source?.revision });
    } catch (error) {
      out.push({ ...base, architecture: '?', dtype: '?', problem: `unreadable manifest.json: ${(error as Error).message}` });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
