/**
 * Electron main: a thin host. It reads as the list of what the app sets up; each setupX lives in its
 * own module and takes the Electron objects it needs, so tests can hand it fakes.
 */
import { app, BrowserWindow, globalShortcut, ipcMain, protocol, session, type App, type GlobalShortcut } from 'electron';
import { mkdirSync } from 'node:fs';
import { AgentHost } from '../agent/server/agent-host.ts';
import { createAgentAdapter } from '../agent/server/agent-adapter.ts';
import { appFileUrl, appReportUrl, registerAppScheme, setupAppProtocol } from './app-protocol.ts';
import { setupIpc } from './ipc.ts';
import { appPaths } from './paths.ts';
import { setupRunPresence } from './run-presence.ts';
import { setupSessionSecurity } from './security.ts';
import { setupEmergencyStop, STOP_ACCELERATOR } from './shortcut.ts';
import { createMainWindow, createStatusBar } from './windows.ts';

registerAppScheme(protocol);
app.enableSandbox();

function setupAgentHost(runsDir: string): AgentHost {
  mkdirSync(runsDir, { recursive: true });
  return new AgentHost({ runsDir, fileUrl: appFileUrl, reportUrl: appReportUrl, agent: createAgentAdapter() });
}

function setupLifecycle(electronApp: App, host: AgentHost, shortcuts: GlobalShortcut, main: BrowserWindow): void {
  electronApp.on('window-all-closed', () => electronApp.quit());
  // The status bar is a window too, only hidden: without this, closing the main window would leave
  // the app running with nothing on screen.
  main.on('closed', () => electronApp.quit());
  electronApp.on('will-quit', () => shortcuts.unregisterAll());
  let disposed = false;
  electronApp.on('before-quit', (event) => {
    if (disposed) return;
    // Let live runs stop and finish their traces before the process goes.
    event.preventDefault();
    disposed = true;
    void host.dispose().finally(() => electronApp.quit());
  });
}

async function start(): Promise<{ host: AgentHost; main: BrowserWindow; statusBar: BrowserWindow }> {
  const paths = appPaths(app);
  const create = (options: Electron.BrowserWindowConstructorOptions) => new BrowserWindow(options);
  setupSessionSecurity(session.defaultSession);
  setupAppProtocol(protocol, paths.uiDir, paths.runsDir);
  const host = setupAgentHost(paths.runsDir);
  const main = createMainWindow(create, paths.preload);
  const statusBar = createStatusBar(create, paths.preload);
  setupIpc(ipcMain, host, () => BrowserWindow.getAllWindows());
  if (!setupEmergencyStop(globalShortcut, host)) console.warn(`deskpilot: the stop shortcut ${STOP_ACCELERATOR} is taken by another application`);
  setupRunPresence(host, main, statusBar);
  setupLifecycle(app, host, globalShortcut, main);
  return { host, main, statusBar };
}

/** Resolves once the app is up; exported for the test that loads this module with Electron faked. */
export const started = app.whenReady().then(start);
