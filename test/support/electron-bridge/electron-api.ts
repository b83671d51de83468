/**
 * ElectronBridge, a test harness: the part of Electron's main-process API that electron/main.ts uses,
 * backed by real parts because no Electron binary can be installed here. A BrowserWindow is a
 * playwright-core page in Debian's Chromium; protocol.handle serves that page through the app's real
 * handler on a loopback origin (app-origin.ts); the app's webRequest hooks see every request and
 * response; the real preload bundle runs in the page and reaches the app's ipcMain handlers through
 * page bindings (renderer-side.ts); globalShortcut fires on key presses in the bridge's windows.
 * Window state with no Chromium counterpart (hide/show, content protection, click-through, always on
 * top) is recorded, not enforced.
 *
 * Tests put it in place of 'electron' with vi.mock; `npm run app:bridge` with a resolve hook.
 */
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { AppOrigin, type HeadersHook, type SchemeHandler } from './app-origin.ts';
import { DELIVER_FUNCTION, INVOKE_BINDING, KEY_BINDING, matchesAccelerator, rendererInitScript, type KeyPress } from './renderer-side.ts';

export const CHROMIUM = '/usr/bin/chromium';

export interface BridgeOptions {
  /** What app.getAppPath() answers: the folder holding renderer/dist and dist/preload. */
  appPath: string;
  /** What app.getPath('userData') answers. */
  userData: string;
  headless: boolean;
}

const configHome = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
const options: BridgeOptions = {
  appPath: fileURLToPath(new URL('../../..', import.meta.url)),
  userData: join(configHome, 'deskpilot'),
  headless: !process.env.DISPLAY,
};

type BeforeRequestHook = (details: { url: string; method: string; resourceType: string }, callback: (response: { cancel?: boolean }) => void) => void;
type InvokeHandler = (event: InvokeEvent, ...args: unknown[]) => unknown;

/** The fields of Electron's WebFrameMain that the app's sender check reads. */
export interface SenderFrame {
  url: string;
  parent: SenderFrame | null;
}

export interface InvokeEvent {
  sender: WebContents;
  senderFrame: SenderFrame | null;
}

/** An Electron event whose default the listener may prevent. */
function preventable<T extends object>(fields: T): T & { defaultPrevented: boolean; preventDefault(): void } {
  return {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

/** Everything the bridge was asked for and holds, for tests to read. */
export const bridge = {
  options,
  sandboxEnabled: false,
  privilegedSchemes: [] as unknown[],
  ipcHandlers: new Map<string, InvokeHandler>(),
  shortcuts: new Map<string, () => void>(),
  schemeHandlers: new Map<string, SchemeHandler>(),
  beforeRequest: undefined as BeforeRequestHook | undefined,
  headersReceived: undefined as HeadersHook | undefined,
  permissionRequestHandler: undefined as unknown,
  permissionCheckHandler: undefined as unknown,
  browser: undefined as Browser | undefined,
  origin: undefined as AppOrigin | undefined,
  configure(changes: Partial<BridgeOptions>): void {
    Object.assign(options, changes);
  },
};

let resolveQuit!: () => void;
/** Resolves once app.quit() has closed every window, Chromium and the loopback origin. */
export const quitted = new Promise<void>((resolve) => (resolveQuit = resolve));

function appOrigin(): AppOrigin {
  if (!bridge.origin) throw new Error('electron-bridge: protocol.handle has not been called yet, so no app:// URL can load');
  return bridge.origin;
}

/** A URL as Electron would report it: the loopback origin back to app://. */
const electronUrl = (url: string) => bridge.origin?.toApp(url) ?? url;

function senderFrame(frame: Frame | null): SenderFrame | null {
  if (!frame) return null;
  return { url: electronUrl(frame.url()), parent: senderFrame(frame.parentFrame()) };
}

export class WebContents extends EventEmitter {
  destroyed = false;
  /** Recorded, not applied: the bridge does not stop a page opening a popup. */
  windowOpenHandler?: (details: { url: string }) => { action: 'allow' | 'deny' };
  /** The URL loadURL is loading: a navigation the main process asked for, which fires no will-navigate. */
  pendingLoad?: string;

  constructor(private readonly page: Promise<Page>) {
    super();
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  /** Delivered to the page's ipcRenderer.on listeners; dropped while the page has none (loading). */
  send(channel: string, payload: unknown): void {
    if (this.destroyed) return;
    void this.page
      .then((page) => page.evaluate(([name, c, p]) => (globalThis as unknown as Record<string, ((c: string, p: unknown) => void) | undefined>)[name]?.(c, p), [DELIVER_FUNCTION, channel, payload] as const))
      .catch(() => undefined);
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export class BrowserWindow extends EventEmitter {
  static readonly #all = new Set<BrowserWindow>();
  static getAllWindows(): BrowserWindow[] {
    return [...BrowserWindow.#all];
  }

  readonly webContents: WebContents;
  /** The window's page, once Chromium has opened it. */
  readonly ready: Promise<Page>;
  visible: boolean;
  contentProtection = false;
  ignoreMouseEvents = false;
  alwaysOnTop: [boolean, string?];
  visibleOnAllWorkspaces = false;
  #context?: BrowserContext;
  #page?: Page;

  constructor(readonly options: { width?: number; height?: number; show?: boolean; alwaysOnTop?: boolean; webPreferences?: { preload?: string } } = {}) {
    super();
    if (!bridge.browser) throw new Error('electron-bridge: a BrowserWindow cannot be created before app.whenReady() resolves');
    this.visible = options.show !== false;
    this.alwaysOnTop = [options.alwaysOnTop === true];
    this.ready = this.#open(bridge.browser);
    this.webContents = new WebContents(this.ready);
    BrowserWindow.#all.add(this);
  }

  async #open(browser: Browser): Promise<Page> {
    const preload = this.options.webPreferences?.preload;
    const context = await browser.newContext({ viewport: { width: this.options.width ?? 800, height: this.options.height ?? 600 } });
    this.#context = context;
    await context.addInitScript(rendererInitScript(preload === undefined ? undefined : readFileSync(preload, 'utf8')));
    await context.exposeBinding(INVOKE_BINDING, ({ frame }, channel: string, args: unknown[]) => this.#invoke(frame, channel, args));
    await context.exposeBinding(KEY_BINDING, (_source, press: KeyPress) => {
      for (const [accelerator, callback] of bridge.shortcuts) if (matchesAccelerator(accelerator, press)) callback();
    });
    await context.route('**/*', async (route, request) => {
      const url = electronUrl(request.url());
      const page = this.#page;
      // will-navigate fires for navigations the page starts, before any request; loadURL's fire none.
      if (page && request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        if (this.webContents.pendingLoad === request.url()) this.webContents.pendingLoad = undefined;
        else {
          const event = preventable({ url, isMainFrame: true });
          this.webContents.emit('will-navigate', event);
          // A 204 leaves the current document in place, as a prevented navigation does.
          if (event.defaultPrevented) return route.fulfill({ status: 204 });
        }
      }
      const cancel = await new Promise<boolean>((resolve) => {
        if (!bridge.beforeRequest) resolve(false);
        else bridge.beforeRequest({ url, method: request.method(), resourceType: request.resourceType() }, (r) => resolve(r.cancel === true));
      });
      return cancel ? route.abort('blockedbyclient') : route.continue();
    });
    const page = await context.newPage();
    this.#page = page;
    page.on('close', () => this.#closed());
    return page;
  }

  async #invoke(frame: Frame, channel: string, args: unknown[]): Promise<unknown> {
    const handler = bridge.ipcHandlers.get(channel);
    // Electron's own wording, so a page sees what it would see in the app.
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    try {
      return await handler({ sender: this.webContents, senderFrame: senderFrame(frame) }, ...args);
    } catch (error) {
      throw new Error(`Error invoking remote method '${channel}': ${String(error)}`);
    }
  }

  async loadURL(url: string): Promise<void> {
    const page = await this.ready;
    await originReady;
    const target = url.startsWith(`${appOrigin().scheme}:`) ? appOrigin().toLoopback(url) : url;
    this.webContents.pendingLoad = target.replace(/#.*$/, '');
    // A refused load makes Chromium commit its error page just after goto fails; waiting for it keeps
    // that late navigation from cutting short the next load.
    const errorPage = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() && f.url().startsWith('chrome-error:'), timeout: 5000 });
    try {
      await page.goto(target);
    } catch (error) {
      if (/net::ERR_/.test(String(error))) await errorPage.catch(() => undefined);
      throw error;
    } finally {
      errorPage.catch(() => undefined);
    }
    this.emit('ready-to-show');
  }

  show(): void {
    this.visible = true;
    void this.ready.then((page) => page.bringToFront()).catch(() => undefined);
  }
  showInactive(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  setContentProtection(on: boolean): void {
    this.contentProtection = on;
  }
  setIgnoreMouseEvents(on: boolean): void {
    this.ignoreMouseEvents = on;
  }
  setAlwaysOnTop(on: boolean, level?: string): void {
    this.alwaysOnTop = [on, level];
  }
  setVisibleOnAllWorkspaces(on: boolean): void {
    this.visibleOnAllWorkspaces = on;
  }
  isDestroyed(): boolean {
    return this.webContents.destroyed;
  }

  async close(): Promise<void> {
    await this.#context?.close();
    this.#closed();
  }

  #closed(): void {
    if (this.webContents.destroyed) return;
    this.webContents.destroyed = true;
    this.visible = false;
    BrowserWindow.#all.delete(this);
    this.emit('closed');
    if (BrowserWindow.#all.size === 0 && !quitting) app.emit('window-all-closed', preventable({}));
  }
}

let quitting = false;
/** The loopback origin protocol.handle starts; loadURL waits for it (it needs the port). */
let originReady: Promise<void> = Promise.resolve();
let starting: Promise<void> | undefined;

async function launchChromium(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`electron-bridge: Chromium is not installed at ${CHROMIUM}; install it with \`apt-get install chromium\` (scripts/setup-debian.sh does)`);
  bridge.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: options.headless,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

class BridgeApp extends EventEmitter {
  enableSandbox(): void {
    bridge.sandboxEnabled = true;
  }
  whenReady(): Promise<void> {
    starting ??= launchChromium();
    return starting;
  }
  isReady(): boolean {
    return bridge.browser !== undefined;
  }
  getAppPath(): string {
    return options.appPath;
  }
  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`electron-bridge: app.getPath('${name}') is not bridged (only 'userData' is)`);
    return options.userData;
  }
  /** before-quit (preventable), the windows close, will-quit (preventable), quit. */
  quit(): void {
    if (quitting) return;
    const before = preventable({});
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    quitting = true;
    void (async () => {
      await Promise.all(BrowserWindow.getAllWindows().map((w) => w.close().catch(() => undefined)));
      const will = preventable({});
      this.emit('will-quit', will);
      if (will.defaultPrevented) {
        quitting = false;
        return;
      }
      await bridge.browser?.close();
      await bridge.origin?.close();
      this.emit('quit', {}, 0);
      resolveQuit();
    })();
  }
}

export const app = new BridgeApp();

export const ipcMain = {
  handle(channel: string, handler: InvokeHandler): void {
    if (bridge.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    bridge.ipcHandlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    bridge.ipcHandlers.delete(channel);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    bridge.privilegedSchemes.push(...schemes);
  },
  /** The loopback server starts in the background; loadURL waits for it. */
  handle(scheme: string, handler: SchemeHandler): void {
    if (bridge.schemeHandlers.size > 0) throw new Error('electron-bridge: serves one custom scheme only');
    bridge.schemeHandlers.set(scheme, handler);
    originReady = AppOrigin.serve(scheme, handler, () => bridge.headersReceived).then((origin) => {
      bridge.origin = origin;
    });
  },
};
export const session = {
  defaultSession: {
    webRequest: {
      onBeforeRequest(...args: unknown[]): void {
        bridge.beforeRequest = args.at(-1) as BeforeRequestHook;
      },
      onHeadersReceived(...args: unknown[]): void {
        bridge.headersReceived = args.at(-1) as HeadersHook;
      },
    },
    setPermissionRequestHandler(handler: unknown): void {
      bridge.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: unknown): void {
      bridge.permissionCheckHandler = handler;
    },
  },
};

export const globalShortcut = {
  /** False when the accelerator is already registered, as Electron answers when it is taken. */
  register(accelerator: string, callback: () => void): boolean {
    if (bridge.shortcuts.has(accelerator)) return false;
    bridge.shortcuts.set(accelerator, callback);
    return true;
  },
  isRegistered(accelerator: string): boolean {
    return bridge.shortcuts.has(accelerator);
  },
  unregisterAll(): void {
    bridge.shortcuts.clear();
  },
};
