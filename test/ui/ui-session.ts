/**
 * The UI tests run once per transport: over the WebSocket to a real `deskpilot serve` child in headless
 * Chromium, and over IPC in the real Electron main process on the bridge (test/support/electron-bridge),
 * where the page is the main window's. A file that runs the IPC variant must put the bridge in place of
 * 'electron' itself (vi.mock is per file):
 *   vi.mock('electron', () => import('../support/electron-bridge/electron-api.ts'));
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type WebSocket from 'ws';
import type { AgentEvent } from '../../agent/protocol/messages.ts';
import { launchBridgedApp, type BridgedApp } from '../support/electron-bridge/launch.ts';
import { bridgeCommand, collectBridgeEvents, type CommandReply } from '../support/electron-bridge/page-bridge.ts';
import { ask, connect, launchChromium, SCREENS_DIR, startServe, type ServeProcess } from './serve-process.ts';

export type Transport = 'websocket' | 'ipc';
export const TRANSPORTS: Transport[] = ['websocket', 'ipc'];

export interface UiSession {
  transport: Transport;
  page: Page;
  /** Loads a screen by its hash route ("library", "replay/<id>") as a fresh page load. */
  open(hash: string): Promise<void>;
  /** The path of a run's screenshot as the UI links it, for the transport's URL scheme. */
  screenshotHref: RegExp;
  /** Saves the page, or only `element`, to artifacts/screens/<name>.png (<name>-ipc.png over IPC); returns the path. */
  saveScreen(name: string, element?: Locator): Promise<string>;
  /**
   * Sends a protocol command as a second client of the host, beside the page: a WebSocket of its own,
   * or over IPC the status bar window's `window.deskpilot` (the real preload, ipcMain and sender check).
   */
  command(command: unknown): Promise<CommandReply>;
  /** Every event the host sends from now until close, in order, as that second client receives it. */
  recordEvents(): Promise<AgentEvent[]>;
  close(): Promise<void>;
}

function screenSaver(page: Page, suffix: string): UiSession['saveScreen'] {
  return async (name, element) => {
    await mkdir(SCREENS_DIR, { recursive: true });
    const path = join(SCREENS_DIR, `${name}${suffix}.png`);
    await (element ?? page).screenshot({ path });
    return path;
  };
}

/** The WebSocket client beside the page, opened on first use. */
function socketClient(serve: ServeProcess): Pick<UiSession, 'command' | 'recordEvents'> & { close(): void } {
  let socket: Promise<WebSocket> | undefined;
  const open = () => (socket ??= connect(serve));
  return {
    command: async (command) => ask(await open(), command),
    recordEvents: async () => {
      const events: AgentEvent[] = [];
      (await open()).on('message', (data) => {
        const message = JSON.parse(String(data)) as { kind: string; event?: AgentEvent };
        if (message.kind === 'event' && message.event) events.push(message.event);
      });
      return events;
    },
    close: () => void socket?.then((s) => s.close(), () => undefined),
  };
}

/** The status bar window's page once its app screen has loaded, so its bridge stays put. */
async function statusBarPage(bridged: BridgedApp): Promise<Page> {
  const page = await bridged.statusBar.ready;
  await page.waitForFunction(() => {
    const w = globalThis as unknown as { location: { hash: string }; document: { readyState: string }; deskpilot?: unknown };
    return w.location.hash === '#/status' && w.document.readyState === 'complete' && w.deskpilot !== undefined;
  });
  return page;
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
    const client = socketClient(serve);
    return {
      transport,
      page,
      open: async (hash) => void (await page.goto(`${url}#/${hash}`)),
      screenshotHref: /^\/files\/[^?]+\.png\?token=/,
      saveScreen: screenSaver(page, ''),
      command: client.command,
      recordEvents: client.recordEvents,
      close: async () => {
        client.close();
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
    command: async (command) => bridgeCommand(await statusBarPage(bridged), command),
    recordEvents: async () => {
      const events: AgentEvent[] = [];
      await collectBridgeEvents(await statusBarPage(bridged), events);
      return events;
    },
    close: () => bridged.quit(),
  };
}
