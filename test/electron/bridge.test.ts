/**
 * The real Electron main process (electron/main.ts), its real preload bundle, app:// handler, session
 * hooks, IPC channel map and stop shortcut, on the bridge (test/support/electron-bridge): windows are
 * Chromium pages. What a hostile page or a user would run into: the CSP on every app response, no way
 * out of the app origin, IPC that answers the app page only and no channel but the protocol's, the
 * status bar during a run, the stop shortcut, and quitting during a run.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { readTrace } from '../../agent/trace/reader.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/security.ts';
import { bridge, BrowserWindow, quitted } from '../support/electron-bridge/electron-api.ts';
import { launchBridgedApp, type BridgedApp } from '../support/electron-bridge/launch.ts';
import { bridgeCommand } from '../support/electron-bridge/page-bridge.ts';

vi.mock('electron', () => import('../support/electron-bridge/electron-api.ts'));

const SLOW = { timeout: 20_000, interval: 100 };

let root: string;
let display: VirtualDisplay;
let app: BridgedApp;
let page: Page;
let appUrl: string;
/** A foreign site on loopback, counting the requests that reach it. */
let foreign: Server;
let foreignUrl: string;
let foreignHits = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deskpilot-bridge-'));
  process.env.DESKPILOT_RUNS_DIR = join(root, 'runs');
  foreign = createServer((_req, res) => {
    foreignHits++;
    res.end('<!doctype html><title>foreign</title>');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
  [display, app] = await Promise.all([startVirtualDisplay({ size: '800x600', windowManager: false }), launchBridgedApp({ headless: true, userData: root })]);
  page = app.mainPage;
  appUrl = page.url();
  await page.locator('nav').waitFor();
});

afterAll(async () => {
  await app?.quit();
  await display?.dispose();
  foreign?.close();
  await rm(root, { recursive: true, force: true });
});

/** The page's globals, typed loosely: this file is compiled without the DOM library. */
type PageGlobals = Record<string, unknown> & { deskpilot: object; document: PageDocument; location: { href: string } };
type PageElement = { textContent: string; src: string };
type PageDocument = {
  addEventListener(name: string, listener: (e: { effectiveDirective: string }) => void): void;
  createElement(tag: string): PageElement;
  body: { append(e: PageElement): void };
};

async function scriptedRun(name: string, replies: string[], delayMs: number): Promise<string> {
  const file = join(root, `${name}.json`);
  await writeFile(file, JSON.stringify({ family: 'pyautogui', replies, delayMs }));
  const started = await bridgeCommand(page, { type: 'run.start', options: { instruction: name, model: `script:${file}`, display: display.display } });
  expect(started).toMatchObject({ ok: true });
  return (started.result as { runId: string }).runId;
}

describe('the app origin', () => {
  it('serves every app response with the strict CSP the session hook adds, and Chromium enforces it', async () => {
    const header = await page.evaluate(async () => (await fetch('/index.html')).headers.get('content-security-policy'));
    expect(header).toBe(CONTENT_SECURITY_POLICY);
    const outcome = await page.evaluate(async (remote) => {
      const { document } = globalThis as unknown as PageGlobals;
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.body.append(script);
      const image = document.createElement('img');
      image.src = `${remote}pixel.png`;
      document.body.append(image);
      const fetched = await fetch(remote).then(() => 'reached', () => 'refused');
      await new Promise((r) => setTimeout(r, 200));
      return { inlineRan: (globalThis as unknown as PageGlobals).inlineRan === true, fetched, violations: violations.sort() };
    }, foreignUrl);
    expect(outcome).toEqual({ inlineRan: false, fetched: 'refused', violations: ['connect-src', 'img-src', 'script-src-elem'] });
    expect(foreignHits).toBe(0);
  });

  it('never leaves the app: the page cannot navigate away, and even the main process cannot load a foreign site', async () => {
    // will-navigate, prevented by the app, answers the navigation with "stay" (204): same document.
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).marker = 1));
    const stayed = page.waitForResponse((response) => response.url() === foreignUrl);
    await page.evaluate((url) => ((globalThis as unknown as PageGlobals).location.href = url), foreignUrl);
    expect((await stayed).status()).toBe(204);
    expect(page.url()).toBe(appUrl);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).marker)).toBe(1);
    // The session's request filter: nothing but app://deskpilot (and data:) loads, whoever asks.
    await expect(app.main.loadURL(foreignUrl)).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    await expect(app.main.loadURL('app://elsewhere/index.html')).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    expect(foreignHits).toBe(0);
    await app.main.loadURL('app://deskpilot/index.html#/run');
    await page.locator('nav').waitFor();
  });
});

describe('IPC', () => {
  it('answers the app page', async () => {
    expect(await bridgeCommand(page, { type: 'hello' })).toEqual({ ok: true, result: { version: 1 } });
  });

  it('refuses the same preload in a page of another origin (a data: page, the one kind the request filter lets load)', async () => {
    const other = new BrowserWindow({ width: 400, height: 300, webPreferences: { preload: app.main.options.webPreferences?.preload } });
    try {
      await other.loadURL('data:text/html,<title>not the app</title>');
      const answer = await bridgeCommand(await other.ready, { type: 'hello' }).then(() => 'answered', (e: Error) => e.message);
      expect(answer).toContain('UntrustedSenderError: refused deskpilot:command from data:text/html');
    } finally {
      await other.close();
    }
  });

  it('offers the page the protocol and nothing else: no ipcRenderer, no Node, and no handler for any other channel', async () => {
    const seen = await page.evaluate(async (invoke) => {
      const w = globalThis as unknown as PageGlobals;
      const raw = w[invoke] as (channel: string, args: unknown[]) => Promise<unknown>;
      return {
        api: Object.keys(w.deskpilot).sort(),
        frozen: Object.isFrozen(w.deskpilot),
        leaked: ['ipcRenderer', 'require', 'process', 'module', 'electron'].filter((name) => name in w),
        other: await raw('deskpilot:admin', []).then(() => 'answered', (e: Error) => e.message),
        event: await raw('deskpilot:event', []).then(() => 'answered', (e: Error) => e.message),
      };
    }, '__electronBridgeInvoke');
    expect(seen.api).toEqual(['command', 'onEvent']);
    expect(seen.frozen).toBe(true);
    expect(seen.leaked).toEqual([]);
    expect(seen.other).toContain("No handler registered for 'deskpilot:admin'");
    expect(seen.event).toContain("No handler registered for 'deskpilot:event'");
    expect([...bridge.ipcHandlers.keys()]).toEqual(['deskpilot:command']);
  });
});

describe('a run', () => {
  it('hides the main window and shows the status bar; Ctrl+Alt+Shift+S stops it, another chord does not', async () => {
    const statusPage = await app.statusBar.ready;
    expect(app.statusBar.visible).toBe(false);
    expect(app.statusBar).toMatchObject({ contentProtection: true, ignoreMouseEvents: true, alwaysOnTop: [true, 'screen-saver'] });
    const runId = await scriptedRun('wait a while', Array.from({ length: 30 }, () => 'WAIT'), 500);
    const bar = statusPage.getByTestId('statusbar');
    await expect.poll(() => bar.textContent(), SLOW).toMatch(/running · step \d+\/15 · Ctrl\+Alt\+Shift\+S stops/);
    expect(app.main.visible).toBe(false);
    expect(app.statusBar.visible).toBe(true);

    const steps = async () => ((await bridgeCommand(page, { type: 'runs.get', runId })).result as { steps: unknown[] }).steps.length;
    await page.keyboard.press('Control+Alt+KeyS');
    const after = await steps();
    await expect.poll(steps, SLOW).toBeGreaterThan(after);
    await page.keyboard.press('Control+Alt+Shift+KeyS');
    await expect.poll(async () => (await readTrace(join(root, 'runs', runId))).run.status, SLOW).toBe('stopped');
    await expect.poll(() => app.main.visible, SLOW).toBe(true);
    expect(app.statusBar.visible).toBe(false);
    expect(await bar.count()).toBe(0);
  });

  it('closing the main window quits the app (the hidden status bar does not keep it alive); a live run is stopped and its trace finished first', async () => {
    const runId = await scriptedRun('quit during me', Array.from({ length: 30 }, () => 'WAIT'), 500);
    await expect.poll(async () => ((await bridgeCommand(page, { type: 'runs.get', runId })).result as { steps: unknown[] }).steps.length, SLOW).toBeGreaterThan(0);
    await app.main.close();
    await quitted;
    expect(BrowserWindow.getAllWindows()).toEqual([]);
    expect((await readTrace(join(root, 'runs', runId))).run.status).toBe('stopped');
  });
});
