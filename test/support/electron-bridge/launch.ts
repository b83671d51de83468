/**
 * Starts the real electron/main.ts on the bridge. First builds what the app loads, when missing or
 * older than its sources (renderer/dist, dist/preload/preload.cjs), as a packaged app would ship them.
 * The caller must have made `electron` resolve to electron-api.ts: vi.mock in tests, the resolve hook
 * in app-bridge.ts.
 */
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { AgentHost } from '../../../agent/server/agent-host.ts';
import { ensureUiBuilt, withLock } from '../../../agent/server/ui-build.ts';
import { buildPreload, PRELOAD_OUT } from '../../../electron/build-preload.ts';
import { app, bridge, quitted, type BridgeOptions, type BrowserWindow } from './electron-api.ts';

const PRELOAD_SOURCES = ['preload.ts', 'channel-names.ts', 'build-preload.ts'].map((name) => fileURLToPath(new URL(`../../../electron/${name}`, import.meta.url)));
const PRELOAD_LOCK = join(tmpdir(), 'deskpilot-preload-build.lock');

async function preloadIsStale(): Promise<boolean> {
  const built = await stat(join(PRELOAD_OUT, 'preload.cjs')).then((s) => s.mtimeMs, () => 0);
  const sources = await Promise.all(PRELOAD_SOURCES.map((p) => stat(p).then((s) => s.mtimeMs)));
  return Math.max(...sources) > built;
}

export async function ensurePreloadBuilt(log: (line: string) => void): Promise<void> {
  if (!(await preloadIsStale())) return;
  await withLock(PRELOAD_LOCK, async () => {
    if (!(await preloadIsStale())) return;
    log('building the preload (electron/preload.ts -> dist/preload/preload.cjs) ...');
    await buildPreload();
  });
}

export interface BridgedApp {
  host: AgentHost;
  main: BrowserWindow;
  statusBar: BrowserWindow;
  /** The main window's page, loaded (its first screen may still be rendering). */
  mainPage: Page;
  /** app.quit(), as the app quits: live runs stop and finish their traces, then the windows close. */
  quit(): Promise<void>;
}

export async function launchBridgedApp(options: Partial<BridgeOptions> = {}, log: (line: string) => void = () => undefined): Promise<BridgedApp> {
  await Promise.all([ensureUiBuilt(log), ensurePreloadBuilt(log)]);
  bridge.configure(options);
  const { started } = await import('../../../electron/main.ts');
  const { host, main, statusBar } = (await started) as unknown as { host: AgentHost; main: BrowserWindow; statusBar: BrowserWindow };
  const mainPage = await main.ready;
  await new Promise<void>((resolve) => (main.isVisible() ? resolve() : main.once('ready-to-show', () => resolve())));
  return {
    host,
    main,
    statusBar,
    mainPage,
    quit: async () => {
      app.quit();
      await quitted;
    },
  };
}
