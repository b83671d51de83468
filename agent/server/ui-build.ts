/**
 * Builds the React UI (renderer/) with Vite's build API when renderer/dist is missing or older than its
 * sources. Several `deskpilot serve` processes may start at once (tests, two windows), so the build
 * holds a lock and lands by renaming a finished folder into place: no process serves a half-written dist.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const RENDERER_DIR = fileURLToPath(new URL('../../renderer', import.meta.url));
export const UI_DIST = join(RENDERER_DIR, 'dist');
const SOURCES = [join(RENDERER_DIR, 'src'), join(RENDERER_DIR, 'index.html'), join(RENDERER_DIR, 'vite.config.ts'), fileURLToPath(new URL('../protocol', import.meta.url))];
const LOCK = join(tmpdir(), 'deskpilot-ui-build.lock');

async function newestMtime(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const name of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, name)));
  return newest;
}

export async function uiIsStale(): Promise<boolean> {
  let built: number;
  try {
    built = (await stat(join(UI_DIST, 'index.html'))).mtimeMs;
  } catch {
    return true;
  }
  const sources = await Promise.all(SOURCES.map((p) => newestMtime(p).catch(() => 0)));
  return Math.max(...sources) > built;
}

/** Runs task while holding lock (a directory), so concurrent processes build one at a time. */
export async function withLock<T>(lock: string, task: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      // A lock older than the deadline belongs to a build that died; take it over.
      const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs).catch(() => Date.now()));
      if (age > 180_000 || Date.now() > deadline) await rm(lock, { recursive: true, force: true });
      await sleep(200);
    }
  }
  try {
    return await task();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Builds when stale; returns the dist folder. */
export async function ensureUiBuilt(log: (line: string) => void = () => undefined): Promise<string> {
  if (!(await uiIsStale())) return UI_DIST;
  return withLock(LOCK, async () => {
    if (!(await uiIsStale())) return UI_DIST; // another process built it while we waited
    log('building the UI (renderer/) ...');
    const { build } = await import('vite');
    // Staged under renderer/.cache (git-ignored) on the same file system, so the rename is atomic.
    const staging = join(RENDERER_DIR, '.cache', `dist-${process.pid}`);
    // Vite and the React plugin pick production output from NODE_ENV, which a test runner sets to "test";
    // the UI build must not depend on who happens to build it first.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        configFile: join(RENDERER_DIR, 'vite.config.ts'),
        mode: 'production',
        logLevel: 'warn',
        build: { outDir: staging, emptyOutDir: true },
      });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    await rm(UI_DIST, { recursive: true, force: true });
    await rename(staging, UI_DIST);
    return UI_DIST;
  });
}

// `npx tsx agent/server/ui-build.ts` builds the UI (for packaging, or to serve renderer/dist elsewhere).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await ensureUiBuilt((line) => process.stderr.write(line + '\n'))}\n`);
}
