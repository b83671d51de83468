/**
 * FakeElectron: the Electron API surface the main process and preload use, recording what they ask
 * for. The Electron binary cannot be installed here, so the tests replace the module at its boundary.
 */
type Listener = (...args: unknown[]) => unknown;

export class FakeWebContents {
  readonly listeners = new Map<string, Listener[]>();
  readonly sent: [string, unknown][] = [];
  openHandler?: (details: { url: string }) => { action: string };
  on(name: string, listener: Listener) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return this;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.openHandler = handler;
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return false;
  }
}

export class FakeBrowserWindow {
  static all: FakeBrowserWindow[] = [];
  static getAllWindows() {
    return FakeBrowserWindow.all;
  }
  readonly webContents = new FakeWebContents();
  visible = false;
  contentProtection = false;
  ignoreMouse = false;
  alwaysOnTop: [boolean, string?] = [false];
  url = '';
  constructor(readonly options: Record<string, unknown>) {
    FakeBrowserWindow.all.push(this);
  }
  once() {
    return this;
  }
  on() {
    return this;
  }
  async loadURL(url: string) {
    this.url = url;
  }
  show() {
    this.visible = true;
  }
  showInactive() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  setContentProtection(on: boolean) {
    this.contentProtection = on;
  }
  setIgnoreMouseEvents(on: boolean) {
    this.ignoreMouse = on;
  }
  setAlwaysOnTop(on: boolean, level?: string) {
    this.alwaysOnTop = [on, level];
  }
  setVisibleOnAllWorkspaces() {}
  isDestroyed() {
    return false;
  }
}

export interface FakeState {
  ipcHandlers: Map<string, Listener>;
  shortcuts: Map<string, () => void>;
  privilegedSchemes: unknown[];
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  beforeRequest?: (details: { url: string }, callback: (r: { cancel: boolean }) => void) => void;
  headersReceived?: (details: { responseHeaders: Record<string, string[]> }, callback: (r: { responseHeaders: Record<string, string[]> }) => void) => void;
  permissionRequest?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
  exposed: Map<string, unknown>;
  rendererListeners: Map<string, Listener[]>;
  invoked: [string, unknown][];
  sandboxEnabled: boolean;
  appPath: string;
  userData: string;
}

export function createFakeElectron(state: FakeState) {
  return {
    app: {
      enableSandbox: () => {
        state.sandboxEnabled = true;
      },
      whenReady: () => Promise.resolve(),
      on: () => undefined,
      quit: () => undefined,
      getAppPath: () => state.appPath,
      getPath: () => state.userData,
    },
    BrowserWindow: FakeBrowserWindow,
    ipcMain: { handle: (channel: string, handler: Listener) => state.ipcHandlers.set(channel, handler) },
    globalShortcut: {
      register: (accelerator: string, callback: () => void) => {
        state.shortcuts.set(accelerator, callback);
        return true;
      },
      unregisterAll: () => state.shortcuts.clear(),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => state.privilegedSchemes.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => state.protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        webRequest: {
          onBeforeRequest: (listener: FakeState['beforeRequest']) => (state.beforeRequest = listener),
          onHeadersReceived: (listener: FakeState['headersReceived']) => (state.headersReceived = listener),
        },
        setPermissionRequestHandler: (handler: FakeState['permissionRequest']) => (state.permissionRequest = handler),
        setPermissionCheckHandler: () => undefined,
      },
    },
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => state.exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, payload: unknown) => {
        state.invoked.push([channel, payload]);
        return { ok: true, result: null };
      },
      on: (channel: string, listener: Listener) => state.rendererListeners.set(channel, [...(state.rendererListeners.get(channel) ?? []), listener]),
      removeListener: (channel: string, listener: Listener) =>
        state.rendererListeners.set(channel, (state.rendererListeners.get(channel) ?? []).filter((l) => l !== listener)),
    },
  };
}
