/**
 * `npm run build`: compiles what the packaged app runs to JavaScript, so nothing needs tsx at run time.
 * One Vite (Rolldown) build of four entries into dist/app/, chunks shared and all files in that one
 * folder (models/entry-point.ts finds an entry beside the chunk that asks for it):
 *   main.js         the Electron main process (electron/main.ts), loaded by electron/launch.js
 *   driver.js       the desktop driver process (agent/env/desktop/driver.ts)
 *   kimi-worker.js  the model worker thread (models/kimi/runtime/worker.ts)
 *   cli.js          the deskpilot CLI (agent/cli/bin.ts), which the app starts for task runs
 * then the sandboxed preload (dist/preload/preload.cjs) and the UI (renderer/dist) with their own builders.
 * Packages stay imports of node_modules (the native addons must, and electron-builder ships the
 * dependencies); files the code reads beside itself (`new URL('./x.yaml', import.meta.url)`) stay in the
 * source tree and the bundle points at them from dist/app/.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import { ensureUiBuilt } from '../agent/server/ui-build.ts';
import { buildPreload } from './build-preload.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const APP_OUT = join(ROOT, 'dist', 'app');

/** The built entries: output name (models/entry-point.ts's BuiltEntry) -> source. */
export const APP_ENTRIES = {
  main: 'electron/main.ts',
  driver: 'agent/env/desktop/driver.ts',
  'kimi-worker': 'models/kimi/runtime/worker.ts',
  cli: 'agent/cli/bin.ts',
} as const;

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** `new URL('./relative', import.meta.url)`: the relative path, or undefined for any other node. */
function siblingPath(node: Node): string | undefined {
  if (node.type !== 'NewExpression') return undefined;
  const [path, base] = node.arguments as Node[];
  const callee = node.callee as Node;
  if (callee.type !== 'Identifier' || callee.name !== 'URL' || path?.type !== 'Literal' || typeof path.value !== 'string') return undefined;
  if (base?.type !== 'MemberExpression' || (base.property as Node).name !== 'url' || (base.object as Node).type !== 'MetaProperty') return undefined;
  return /^\.\.?\//.test(path.value) ? path.value : undefined;
}

function walk(node: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(node)) node.forEach((child) => walk(child, visit));
  else if (node && typeof node === 'object' && typeof (node as Node).type === 'string') {
    visit(node as Node);
    for (const value of Object.values(node)) if (value && typeof value === 'object') walk(value, visit);
  }
}

/** `entryPoint(name, new URL(...))`: the URL names a source entry, used only when running from sources. */
function entrySources(node: Node): Node | undefined {
  if (node.type !== 'CallExpression' || (node.callee as Node).type !== 'Identifier' || (node.callee as Node).name !== 'entryPoint') return undefined;
  return (node.arguments as Node[])[1];
}

/**
 * Points `new URL('./x', import.meta.url)` in a project module at the same file seen from the output
 * folder, since the module's own URL is now a chunk in dist/app/. A missing target fails the build.
 * `found` collects the targets (relative to the project root): what a package must ship beside dist/app.
 */
function siblingFiles(outDir: string, found: Set<string>): Plugin {
  return {
    name: 'deskpilot-sibling-files',
    enforce: 'post', // after TypeScript is stripped, so the code parses as JavaScript
    transform(code, id) {
      if (!id.startsWith(ROOT) || id.includes(`${sep}node_modules${sep}`) || !code.includes('import.meta.url')) return null;
      const edits: { start: number; end: number; text: string }[] = [];
      const ast = this.parse(code);
      const skip = new Set<Node>();
      walk(ast, (node) => {
        const source = entrySources(node);
        if (source) skip.add(source);
      });
      walk(ast, (node) => {
        const path = siblingPath(node);
        if (path === undefined || skip.has(node)) return;
        const target = resolve(dirname(id), path);
        if (!existsSync(target)) throw new Error(`${relative(ROOT, id)}: new URL('${path}', import.meta.url) names ${target}, which does not exist`);
        let fromOut = relative(outDir, target).split(sep).join('/');
        const isDirectory = statSync(target).isDirectory();
        if (isDirectory) fromOut += '/';
        found.add(relative(ROOT, target).split(sep).join('/') + (isDirectory ? '/' : ''));
        edits.push({ start: node.start, end: node.end, text: `new URL(${JSON.stringify(fromOut.startsWith('.') ? fromOut : `./${fromOut}`)}, import.meta.url)` });
      });
      if (edits.length === 0) return null;
      let out = code;
      for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
      return { code: out, map: null };
    },
  };
}

/** Bare specifiers (packages, node: builtins, electron) stay imports; only project files are bundled. */
const isPackage = (id: string) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0');

export interface AppBuild {
  /** The file written for each entry. */
  entries: Record<keyof typeof APP_ENTRIES, string>;
  /** Project files the bundle reads beside it (relative to the root; folders end in /). */
  siblings: string[];
}

/**
 * Builds the four entries into `outDir`, replacing what was there. The build lands in a staging folder
 * beside it (the same depth, so the paths to sibling files hold) and is renamed into place: a build
 * killed halfway leaves the previous one whole, never main.js without its chunks.
 */
export async function buildApp(outDir = APP_OUT): Promise<AppBuild> {
  const staging = `${outDir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const siblings = new Set<string>();
  const input = Object.fromEntries(Object.entries(APP_ENTRIES).map(([name, source]) => [name, join(ROOT, source)]));
  try {
    await build({
      configFile: false,
      root: ROOT,
      logLevel: 'warn',
      plugins: [siblingFiles(outDir, siblings)],
      build: {
        ssr: true,
        outDir: staging,
        emptyOutDir: false,
        minify: false,
        sourcemap: true,
        target: 'node20',
        copyPublicDir: false,
        rolldownOptions: {
          input,
          external: isPackage,
          output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
        },
      },
    });
    for (const name of Object.keys(APP_ENTRIES)) if (!existsSync(join(staging, `${name}.js`))) throw new Error(`the build wrote no ${name}.js into ${staging}`);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const entries = Object.fromEntries(Object.keys(APP_ENTRIES).map((name) => [name, join(outDir, `${name}.js`)]));
  return { entries: entries as AppBuild['entries'], siblings: [...siblings].sort() };
}

/** Everything the packaged app loads: the app bundle, the preload and the UI. */
export async function buildAll(log: (line: string) => void): Promise<void> {
  const started = performance.now();
  await buildApp();
  log(`dist/app         ${folderSize(APP_OUT)}`);
  const preload = await buildPreload();
  log(`dist/preload     ${folderSize(dirname(preload))}`);
  const ui = await ensureUiBuilt(log);
  log(`renderer/dist    ${folderSize(ui)}`);
  log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** "N files, K KiB" for a build folder, source maps left out (they are not shipped). */
function folderSize(dir: string): string {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.name.endsWith('.map'));
  const bytes = files.reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
  return `${files.length} files, ${(bytes / 1024).toFixed(0)} KiB`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildAll((line) => process.stdout.write(`${line}\n`));
}
