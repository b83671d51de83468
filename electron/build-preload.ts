/**
 * Bundles electron/preload.ts to dist/preload/preload.cjs (a git- and lint-ignored build folder). A sandboxed preload cannot load ES modules
 * or any file but `electron`, so it ships as one CommonJS file. Run: npx tsx electron/build-preload.ts
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const PRELOAD_OUT = fileURLToPath(new URL('../dist/preload', import.meta.url));

export async function buildPreload(): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: PRELOAD_OUT,
      emptyOutDir: false,
      minify: false,
      lib: { entry: fileURLToPath(new URL('./preload.ts', import.meta.url)), formats: ['cjs'], fileName: () => 'preload.cjs' },
      rollupOptions: { external: ['electron'] },
    },
  });
  return `${PRELOAD_OUT}/preload.cjs`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await buildPreload()}\n`);
}
