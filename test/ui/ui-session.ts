/**
 * The UI tests run once per transport: over the WebSocket to a real `deskpilot serve` child in headless
 * Chromium, and over IPC in the real Electron main process on the bridge (test/support/electron-bridge),
 * where the page is the main window's. A file that runs the IPC variant must put the bridge in place of
 * 'electron' itself (vi.mock is per file):
 *   vi.mock('electron', () => import('../support/electron-bridge/electron-api.ts'));
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBridgedApp, type BridgedApp } from '../support/electron-bridge/launch.ts';
import { launchChromium, SCREENS_DIR, startServe, type ServeProcess } from './serve-process.ts';

export type Transport = 'websocket' | 'ipc';
export const TRANSPORTS: Transport[] = ['websocket', 'ipc'];

export interface UiSession {
  transport: Transport;
  page: Page;
  /** Loads a screen by its hash route ("library", "replay/<id>") as a fresh page load. */
  open(hash: string): Promise<void>;
  /** The path of a run's screenshot as the UI links it, for the transport's URL scheme. */
  screenshotHref: RegExp;
  /** Saves the page to artifacts/screens/<name>.png (<name>-ipc.png over IPC); returns the path. */
  saveScreen(name: string): Promise<string>;
  close(): Promise<void>;
}

function screenSaver(page: Page, suffix: string): (name: string) => Promise<string> {
  return async (name) => {
    await mkdir(SCREENS_DIR, { recursive: true });
    const path = join(SCREENS_DIR, `${name}${suffix}.png`);
    await page.screenshot({ path });
    return path;
  };
}

/**
 * env: what the host process sees. The bridge runs main.ts in this test process, so there it is
 * applied to process.env (each test file has its own process), as Electron's main reads it.
 */
export async function openUiSession(transport: Transport, runsDir: string, env: NodeJS.ProcessEnv = {}): Promise<UiSession> {
  if (transport === 'websocket') {
    let serve: ServeProcess | undefined;
    let browser: Browser | undefined;
    try {
      [serve, browser] = await Promise.all([startServe(runsDir, { ...process.env, ...env }), launchChromium()]);
    } catch (error) {
      await Promise.all([serve?.stop(), browser?.close()]);
      throw error;
    }
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const url = serve.url;
    return {
      transport,
      page,
      open: async (hash) => void (await page.goto(`${url}#/${hash}`)),
      screenshotHref: /^\/files\/[^?]+\.png\?token=/,
      saveScreen: screenSaver(page, ''),
      close: async () => {
        await browser.close();
        await serve.stop();
      },
    };
  }
  Object.assign(process.env, env, { DESKPILOT_RUNS_DIR: runsDir });
  const bridged: BridgedApp = await launchBridgedApp({ headless: true });
  const page = bridged.mainPage;
  const origin = new URL(page.url()).origin;
  return {
    transport,
    page,
    open: async (hash) => void (await page.goto(`${origin}/index.html#/${hash}`)),
    screenshotHref: /^\/files\/[^?]+\.png$/,
    saveScreen: screenSaver(page, '-ipc'),
    close: () => bridged.quit(),
  };
}
