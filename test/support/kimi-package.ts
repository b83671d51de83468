/**
 * Tiny converted packages for the runtime tests: K1's tiny random checkpoint (real tensor names, the
 * real tokenizer, so vocab 163840) converted by the real converter. Test files share one build per
 * option set: it is keyed by the options and the converter sources, built in a temporary folder and
 * renamed into place, so parallel test files never see half a package; builds from older sources
 * are removed after 10 minutes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertKimiVl } from '../../models/kimi/convert/convert.ts';
import { writeTinyCheckpoint, type TinyOptions } from '../kimi/fixtures/tiny-checkpoint.ts';

export interface TinyPackage {
  checkpoint: string;
  pkg: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * A digest of what shapes a package: the converter, the formats it writes and reads, the config and
 * manifest it validates and writes, and the checkpoint generators. Packages built from other sources
 * are stale; runtime changes (decoder.ts, runtime/) leave them valid.
 */
export function sourcesStamp(): string {
  const models = join(here, '../../models');
  const dirs = [join(models, 'kimi/convert'), join(models, 'onnx'), join(models, 'safetensors'), join(here, '../kimi/fixtures')];
  const files = ['config.ts', 'manifest.ts', 'graph-io.ts'].map((f) => join(models, 'kimi', f));
  return [...dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.ts')).map((f) => join(d, f))), ...files]
    .map((f) => `${f}:${createHash('sha256').update(readFileSync(f)).digest('hex')}`)
    .join('|');
}

/** Removes packages built from older sources (left by earlier runs) once they are 10 minutes old. */
function evictStale(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('deskpilot-k3-tiny-')) continue;
    const path = join(tmpdir(), name);
    if (path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 10 * 60_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // Already gone (another test file evicted it).
    }
  }
}

export async function makeTinyPackage(options: TinyOptions & { skipVision?: boolean } = {}): Promise<TinyPackage> {
  const full = { vocabSize: 163840, withTokenizer: true, seed: 3, ...options };
  const key = createHash('sha256').update(JSON.stringify(full)).update(sourcesStamp()).digest('hex').slice(0, 16);
  const root = join(tmpdir(), `deskpilot-k3-tiny-${key}`);
  const result = { checkpoint: join(root, 'hf'), pkg: join(root, 'pkg') };
  evictStale(root);
  if (existsSync(join(result.pkg, 'manifest.json'))) return result;
  const work = mkdtempSync(join(tmpdir(), 'deskpilot-k3-build-'));
  try {
    writeTinyCheckpoint(join(work, 'hf'), full);
    await convertKimiVl(join(work, 'hf'), join(work, 'pkg'), { dtype: 'fp32', skipVision: options.skipVision });
    try {
      renameSync(work, root);
    } catch {
      // Another test file finished the same build first: use theirs.
    }
  } finally {
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
  if (!existsSync(join(result.pkg, 'manifest.json'))) throw new Error(`tiny package build failed: ${root}`);
  return result;
}
