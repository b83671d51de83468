/**
 * npm run build's app bundle (electron/build.ts), built afresh into a folder of its own and run the way
 * the packaged app runs it: plain `node`, with a guard loaded into every process and worker thread that
 * fails any import of tsx or of a TypeScript file and logs which entry it guarded. The built CLI drives
 * an Xvfb display through the built driver and runs a tiny model through the built worker (compared
 * with the same question answered from sources); electron/launch.js starts the built main process
 * with a stand-in for the `electron` module (no Electron binary exists here), so Electron itself (its
 * asar archive, sandbox, windows) is not what this checks.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { APP_ENTRIES, buildApp, ROOT, type AppBuild } from '../../electron/build.ts';
import { IPC_CHANNELS } from '../../electron/channel-names.ts';
import { makeTinyPackage } from '../support/kimi-package.ts';

/** Loaded with --import through NODE_OPTIONS, so forked children and worker threads get it too. */
const GUARD = `
import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
appendFileSync(process.env.GUARD_LOG, JSON.stringify({ pid: process.pid, isMainThread, entry: process.argv[1] }) + '\\n');
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (/^tsx(\\\\/|$)/.test(specifier) || /\\\\.[cm]?tsx?$/.test(new URL(result.url).pathname)) {
    throw new Error('TypeScript at run time: ' + specifier + ' imported from ' + context.parentURL);
  }
  return result;
}\`));
`;

let work: string;
let out: string;
let build: AppBuild;
let guardFile: string;
const displays: VirtualDisplay[] = [];

beforeAll(async () => {
  // Inside the project, as dist/app is: the bundle finds node_modules and the files it reads by walking
  // up. `work` stands for the app's root: dist/app and a copy of electron/launch.js, laid out as packed.
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  work = mkdtempSync(join(ROOT, '.cache', 'build-test-'));
  out = join(work, 'dist', 'app');
  build = await buildApp(out);
  mkdirSync(join(work, 'electron'));
  copyFileSync(join(ROOT, 'electron', 'launch.js'), join(work, 'electron', 'launch.js'));
  mkdirSync(join(work, 'renderer', 'dist'), { recursive: true });
  writeFileSync(join(work, 'renderer', 'dist', 'index.html'), '<!doctype html><title>built UI</title>');
  writeFileSync(join(work, 'electron-stand-in.mjs'), ELECTRON_STAND_IN);
  guardFile = join(work, 'no-typescript.mjs');
  writeFileSync(guardFile, GUARD);
});

afterAll(async () => {
  await Promise.all(displays.map((d) => d.dispose()));
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The entries the guard saw start: one line per process or worker thread. */
  guarded: { pid: number; isMainThread: boolean; entry: string }[];
}

/** `node <args>` with the no-TypeScript guard in NODE_OPTIONS (and no other Node options). */
function plainNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const log = join(work, `guard-${Date.now()}-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: work,
      env: { ...process.env, ...env, NODE_OPTIONS: `--import=${pathToFileURL(guardFile).href}`, GUARD_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const guarded = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Ran['guarded'][number]);
      resolve({ code, stdout, stderr, guarded });
    });
  });
}

/**
 * Runs `body` (an ES module's text) with plain node, the guard, and `electron` resolved to the stand-in
 * of a packaged app whose root is `appRoot`.
 */
function withElectronStandIn(appRoot: string, body: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const standIn = pathToFileURL(join(work, 'electron-stand-in.mjs')).href;
  const hooks = `export async function resolve(s, c, next) { return s === 'electron' ? { url: ${JSON.stringify(standIn)}, shortCircuit: true } : next(s, c); }`;
  const runner = `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));\n${body}`;
  return plainNode(['--input-type=module', '-e', runner], { ...env, STAND_IN_APP_PATH: appRoot });
}

describe('npm run build', () => {
  it('writes every entry, imports no TypeScript, and the package ships every file the bundle reads beside it', () => {
    const files = readdirSync(out).filter((f) => f.endsWith('.js'));
    for (const name of Object.keys(APP_ENTRIES)) expect(files).toContain(`${name}.js`);
    for (const file of files) {
      const code = readFileSync(join(out, file), 'utf8');
      const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
      expect(specifiers.filter((s) => /^tsx(\/|$)|\.[cm]?tsx?$/.test(s)), file).toEqual([]);
    }
    const shipped = (parseYaml(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { files: string[] }).files;
    // Folders are the UI's sources, which `deskpilot serve` rebuilds only in a checkout; the app loads renderer/dist.
    const files_ = build.siblings.filter((path) => !path.endsWith('/'));
    expect(files_.length).toBeGreaterThan(0);
    for (const path of files_) expect(shipped, `electron-builder.yml files: lacks ${path}`).toContain(path);
  });

  it('the built CLI acts on a display and captures it through the built driver, with plain node', async () => {
    const display = await startVirtualDisplay({ size: '640x480', windowManager: false });
    displays.push(display);
    execFileSync('xsetroot', ['-display', display.display, '-solid', '#c81e1e']);
    const script = join(work, 'move.json');
    writeFileSync(script, JSON.stringify({ family: 'pyautogui', coordinates: 'screen', replies: ['```python\npyautogui.moveTo(123, 45)\n```', 'DONE'] }));
    const trace = join(work, 'trace');
    const ran = await plainNode([build.entries.cli, 'run', 'move the pointer', '--model', `script:${script}`, '--display', display.display, '--out', trace, '--no-takeover']);
    expect(ran.code, ran.stderr).toBe(0);
    // The pointer really moved on that display, and the screenshot is of that screen.
    expect(execFileSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: display.display }, encoding: 'utf8' })).toMatch(/^x:123 y:45 /);
    const shot = readdirSync(trace).find((f) => f.startsWith('step_1_') && f.endsWith('.png'));
    expect(shot).toBeDefined();
    const { data, info } = await sharp(join(trace, shot!)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([640, 480]);
    expect([...data.subarray(0, 3)]).toEqual([0xc8, 0x1e, 0x1e]);
    // The CLI and the driver it forked both started from the build, under the guard.
    expect(ran.guarded.map((g) => g.entry)).toEqual([build.entries.cli, build.entries.driver]);
  });

  it('the built CLI runs a tiny model through the built worker and answers as the sources do', async () => {
    const tiny = await makeTinyPackage();
    const image = join(work, 'image.png');
    await sharp({ create: { width: 56, height: 42, channels: 3, background: '#3a7bd5' } }).png().toFile(image);
    const ask = ['ask', tiny.pkg, '--image', image, '--max-new-tokens', '6', '--provider', 'cpu', '--json', 'What is on the screen?'];
    const built = await plainNode([build.entries.cli, ...ask]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.guarded).toEqual([
      expect.objectContaining({ isMainThread: true, entry: build.entries.cli }),
      expect.objectContaining({ isMainThread: false, entry: build.entries['kimi-worker'] }),
    ]);
    const fromSources = execFileSync(process.execPath, [join(ROOT, 'bin', 'deskpilot.js'), ...ask], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const answer = (json: string) => {
      const { answer, finishReason, timings } = JSON.parse(json) as { answer: string; finishReason: string; timings: { promptTokens: number; completionTokens: number } };
      return { answer, finishReason, promptTokens: timings.promptTokens, completionTokens: timings.completionTokens };
    };
    expect(answer(built.stdout)).toEqual(answer(fromSources));
    expect(answer(built.stdout).completionTokens).toBe(6);
  });

  it('launch.js in a packaged app starts the built main process (Electron stood in for): windows with the preload, IPC, the app:// UI, task runs through the built CLI', async () => {
    const suite = join(work, 'empty-suite');
    mkdirSync(suite);
    const body = `
      import { setTimeout as sleep } from 'node:timers/promises';
      await import(${JSON.stringify(pathToFileURL(join(work, 'electron', 'launch.js')).href)});
      // The module launch.js loaded: the same URL gives the same instance.
      const { started } = await import(${JSON.stringify(pathToFileURL(build.entries.main).href)});
      await started;
      const { protocols, ipc, report } = globalThis.electronStandIn;
      const page = await protocols.get('app')(new Request('app://deskpilot/index.html'));
      const command = (c) => ipc.get(${JSON.stringify(IPC_CHANNELS.command)})({ senderFrame: { url: 'app://deskpilot/index.html#/run', parent: null } }, c);
      const hello = await command({ type: 'hello' });
      const { result: { benchId } } = await command({ type: 'bench.start', suite: ${JSON.stringify(suite)}, model: 'script:none', envs: 1, maxSteps: 1 });
      let bench;
      for (let i = 0; i < 600 && (bench = (await command({ type: 'bench.get', benchId })).result.bench).status === 'running'; i++) await sleep(100);
      console.log(JSON.stringify({ ...report(), page: await page.text(), hello, bench }));
      process.exit(0);`;
    const ran = await withElectronStandIn(work, body, { DESKPILOT_RUNS_DIR: join(work, 'runs') });
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout.trim().split('\n').pop()!) as {
      windows: { url: string; preload: string; sandbox: boolean }[];
      sandboxEnabled: boolean;
      page: string;
      hello: unknown;
      bench: { status: string; error?: string };
    };
    expect(report.sandboxEnabled).toBe(true);
    const preload = join(work, 'dist', 'preload', 'preload.cjs');
    expect(report.windows.map((w) => w.preload)).toEqual([preload, preload]);
    expect(report.windows.every((w) => w.sandbox)).toBe(true);
    expect(report.windows[0].url).toMatch(/^app:\/\/deskpilot\/index\.html/);
    expect(report.page).toContain('built UI');
    expect(report.hello).toEqual({ ok: true, result: { version: 1 } });
    // The task run finished (an empty suite) in a CLI process the main process started from the build.
    expect(report.bench).toMatchObject({ status: 'finished' });
    expect(ran.guarded.filter((g) => g.entry === build.entries.cli)).toHaveLength(1);
  });

  it('launch.js in an app packaged without the build says so and how to mend it', async () => {
    const bare = join(work, 'bare');
    mkdirSync(join(bare, 'electron'), { recursive: true });
    copyFileSync(join(ROOT, 'electron', 'launch.js'), join(bare, 'electron', 'launch.js'));
    const ran = await withElectronStandIn(bare, `await import(${JSON.stringify(pathToFileURL(join(bare, 'electron', 'launch.js')).href)});`);
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toContain(`DeskPilot was packaged without its build: ${join(bare, 'dist', 'app', 'main.js')} is missing; run npm run build, then package again`);
  });

  it('a build that lost its worker says which file is missing and how to mend it', async () => {
    renameSync(build.entries['kimi-worker'], `${build.entries['kimi-worker']}.gone`);
    const tiny = await makeTinyPackage();
    const ran = await plainNode([build.entries.cli, 'ask', tiny.pkg, '--max-new-tokens', '1', '--provider', 'cpu', 'hi']);
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toContain(`the build in ${out} has no kimi-worker.js`);
    expect(ran.stderr).toContain('run npm run build again');
  });
});

/**
 * The `electron` module of a packaged app, for launch.js and the built main process: the calls they
 * make are recorded; any other method is accepted and ignored, so this checks what the bundle does,
 * not which Electron API it calls.
 */
const ELECTRON_STAND_IN = `
const windows = [];
const ipc = new Map();
const protocols = new Map();
let sandboxEnabled = false;
const tolerant = (target) => new Proxy(target, { get: (t, key) => (key in t ? t[key] : () => undefined) });
class BrowserWindow {
  static getAllWindows() { return windows; }
  constructor(options) {
    this.options = options;
    this.url = '';
    this.webContents = tolerant({ on() { return this; } });
    windows.push(this);
    return tolerant(this);
  }
  once() { return this; }
  on() { return this; }
  async loadURL(url) { this.url = url; }
}
export const app = tolerant({
  isPackaged: true,
  enableSandbox: () => (sandboxEnabled = true),
  whenReady: () => Promise.resolve(),
  getAppPath: () => process.env.STAND_IN_APP_PATH,
  getPath: () => process.env.STAND_IN_APP_PATH + '/user-data',
  on() {},
});
export const protocol = tolerant({ handle: (scheme, handler) => protocols.set(scheme, handler) });
export const ipcMain = tolerant({ handle: (channel, handler) => ipc.set(channel, handler) });
export const globalShortcut = tolerant({ register: () => true });
export const session = { defaultSession: tolerant({ webRequest: tolerant({}) }) };
export { BrowserWindow };
globalThis.electronStandIn = {
  protocols,
  ipc,
  report: () => ({
    sandboxEnabled,
    windows: windows.map((w) => ({ url: w.url, preload: w.options.webPreferences.preload, sandbox: w.options.webPreferences.sandbox })),
  }),
};
`;
