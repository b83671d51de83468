/**
 * Loads electron/main.ts and electron/preload.ts with the Electron module replaced by FakeElectron
 * (no binary can be installed here) and checks what a user relies on: secure windows, a strict CSP,
 * IPC that answers only our own page, the emergency stop, the status bar and hidden main window
 * during a run, and a preload that exposes the protocol and nothing else.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunCallbacks } from '../../agent/server/agent-port.ts';
import type { FakeBrowserWindow, FakeState } from './fake-electron.ts';

const state = vi.hoisted(
  (): FakeState => ({
    ipcHandlers: new Map(),
    shortcuts: new Map(),
    privilegedSchemes: [],
    protocolHandlers: new Map(),
    exposed: new Map(),
    rendererListeners: new Map(),
    invoked: [],
    sandboxEnabled: false,
    appPath: '',
    userData: '',
  }),
);

/** FakeAgentPort: stands in for the loop so the test can drive a run's status by hand. */
const agent = vi.hoisted(() => ({ callbacks: undefined as RunCallbacks | undefined, stopped: 0, finish: () => undefined as void }));

vi.mock('electron', async () => (await import('./fake-electron.ts')).createFakeElectron(state));
vi.mock('../../agent/server/agent-adapter.ts', () => ({
  createAgentAdapter: () => ({
    availability: async () => ({ ok: true }),
    facts: async () => ({ executionProviders: ['cpu'], displays: [], safetyRules: [] }),
    startRun: async (_options: unknown, callbacks: RunCallbacks) => {
      agent.callbacks = callbacks;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      agent.finish = finish;
      return { pause() {}, resume() {}, stop: () => void (agent.stopped += 1), finished };
    },
  }),
}));

let main: FakeBrowserWindow;
let statusBar: FakeBrowserWindow;
let runsDir: string;

beforeAll(async () => {
  const root = await mkdtemp(join(tmpdir(), 'deskpilot-electron-'));
  state.appPath = join(root, 'app');
  state.userData = join(root, 'user');
  runsDir = join(state.userData, 'runs');
  await mkdir(join(state.appPath, 'renderer', 'dist'), { recursive: true });
  await writeFile(join(state.appPath, 'renderer', 'dist', 'index.html'), '<!doctype html><div id="root"></div>');
  const loaded = await import('../../electron/main.ts');
  const app = (await loaded.started) as unknown as { main: FakeBrowserWindow; statusBar: FakeBrowserWindow };
  main = app.main;
  statusBar = app.statusBar;
});

afterAll(() => {
  agent.finish();
});

const appFrame = { url: 'app://deskpilot/index.html#/run', parent: null };

describe('electron main process', () => {
  it('creates every window isolated, sandboxed, without Node, with the preload only', () => {
    expect(state.sandboxEnabled).toBe(true);
    for (const window of [main, statusBar]) {
      expect(window.options.webPreferences).toMatchObject({
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        sandbox: true,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        preload: join(state.appPath, 'dist', 'preload', 'preload.cjs'),
      });
      expect(window.url.startsWith('app://deskpilot/')).toBe(true);
    }
    expect(state.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  it('puts a strict CSP on every response and blocks remote content, navigation, popups and permissions', () => {
    let headers: Record<string, string[]> = {};
    state.headersReceived?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    const csp = headers['Content-Security-Policy'][0];
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-(eval|inline)|https?:|\*/);
    expect(headers['Content-Type']).toEqual(['text/html']);

    const cancelled = (url: string) => {
      let cancel: boolean | undefined;
      state.beforeRequest?.({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    expect(cancelled('https://example.com/tracker.js')).toBe(true);
    expect(cancelled('http://127.0.0.1:8080/')).toBe(true);
    expect(cancelled('app://deskpilot/assets/index.js')).toBe(false);

    const navigate = main.webContents.listeners.get('will-navigate')?.[0];
    const event = { url: 'https://evil.example/', preventDefault: vi.fn() };
    navigate?.(event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(main.webContents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    let granted: boolean | undefined;
    state.permissionRequest?.({}, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  it('answers protocol commands over IPC only from the app page itself', async () => {
    const handler = state.ipcHandlers.get('deskpilot:command');
    expect([...state.ipcHandlers.keys()]).toEqual(['deskpilot:command']);
    expect(await handler?.({ senderFrame: appFrame }, { type: 'hello' })).toEqual({ ok: true, result: { version: 1 } });
    expect(() => handler?.({ senderFrame: { url: 'https://evil.example/', parent: null } }, { type: 'hello' })).toThrow(/refused/);
    expect(() => handler?.({ senderFrame: { url: 'app://deskpilot/index.html', parent: {} } }, { type: 'hello' })).toThrow(/refused/);
    expect(() => handler?.({ senderFrame: null }, { type: 'hello' })).toThrow(/refused/);
    expect(await handler?.({ senderFrame: appFrame }, { type: 'run.stop', runId: '../x' })).toMatchObject({ ok: false });
  });

  it('hides the main window and shows the capture-excluded, click-through status bar during a run; the shortcut stops it', async () => {
    expect(statusBar.contentProtection).toBe(true);
    expect(statusBar.ignoreMouse).toBe(true);
    expect(statusBar.alwaysOnTop).toEqual([true, 'screen-saver']);
    expect(statusBar.options).toMatchObject({ focusable: false, frame: false, skipTaskbar: true });
    main.show();
    expect(statusBar.visible).toBe(false);

    const handler = state.ipcHandlers.get('deskpilot:command');
    const started = (await handler?.({ senderFrame: appFrame }, { type: 'run.start', options: { instruction: 'do it', model: 'script:x.json' } })) as { ok: boolean; result: { runId: string } };
    expect(started.ok).toBe(true);
    agent.callbacks?.status({ version: 1, id: started.result.runId, instruction: 'do it', model: 'script:x.json', family: 'kimi', settings: { maxSteps: 15 }, status: 'running', startedAt: new Date().toISOString(), steps: 0 });
    expect(main.visible).toBe(false);
    expect(statusBar.visible).toBe(true);
    expect(main.webContents.sent.some(([channel, event]) => channel === 'deskpilot:event' && (event as { type: string }).type === 'run.status')).toBe(true);

    const [accelerator, stop] = [...state.shortcuts.entries()][0];
    expect(accelerator).toBe('CommandOrControl+Alt+Shift+S');
    stop();
    expect(agent.stopped).toBe(1);
    agent.finish();
    await vi.waitFor(() => expect(main.visible).toBe(true));
    expect(statusBar.visible).toBe(false);
  });

  it('serves the UI and run screenshots on app://, and nothing outside them', async () => {
    const handler = state.protocolHandlers.get('app');
    const index = await handler?.(new Request('app://deskpilot/index.html'));
    expect(index?.status).toBe(200);
    expect(index?.headers.get('content-type')).toBe('text/html; charset=utf-8');
    await mkdir(join(runsDir, 'r1'), { recursive: true });
    await writeFile(join(runsDir, 'r1', 'step_1.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const shot = await handler?.(new Request('app://deskpilot/files/r1/step_1.png'));
    expect(shot?.status).toBe(200);
    expect(shot?.headers.get('content-type')).toBe('image/png');
    expect((await handler?.(new Request('app://deskpilot/files/..%2F..%2F..%2Fetc%2Fpasswd')))?.status).toBe(404);
    expect((await handler?.(new Request('app://other/index.html')))?.status).toBe(404);
  });
});

describe('electron preload', () => {
  it('exposes only command and onEvent, bound to the two protocol channels', async () => {
    await import('../../electron/preload.ts');
    const bridge = state.exposed.get('deskpilot') as { command(c: unknown): Promise<unknown>; onEvent(l: (e: unknown) => void): () => void };
    expect([...state.exposed.keys()]).toEqual(['deskpilot']);
    expect(Object.keys(bridge).sort()).toEqual(['command', 'onEvent']);
    await bridge.command({ type: 'hello' });
    expect(state.invoked).toEqual([['deskpilot:command', { type: 'hello' }]]);
    const seen: unknown[] = [];
    const off = bridge.onEvent((e) => seen.push(e));
    state.rendererListeners.get('deskpilot:event')?.[0]?.({ sender: 'ipc' }, { type: 'step.started', runId: 'r', step: 1 });
    expect(seen).toEqual([{ type: 'step.started', runId: 'r', step: 1 }]);
    off();
    expect(state.rendererListeners.get('deskpilot:event')).toEqual([]);
  });
});

describe('electron preload bundle', () => {
  it('builds to one CommonJS file that loads nothing but electron (a sandboxed preload can load nothing else)', async () => {
    const { buildPreload } = await import('../../electron/build-preload.ts');
    const { readFile } = await import('node:fs/promises');
    const code = await readFile(await buildPreload(), 'utf8');
    expect([...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).toContain('exposeInMainWorld("deskpilot"');
  });
});
