/** The two windows: the main UI, and the status bar shown over the desktop while a run is active. */
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { APP_ORIGIN, lockDownContents, secureWebPreferences } from './security.ts';

export type WindowFactory = (options: BrowserWindowConstructorOptions) => BrowserWindow;

export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return { width: 1280, height: 860, show: false, title: 'DeskPilot', backgroundColor: '#f6f7f9', webPreferences: secureWebPreferences(preload) };
}

/**
 * Always on top, never focused, click-through, and excluded from screen capture: the agent must see
 * (and click) the desktop underneath it, never its own status bar.
 */
export function statusBarOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 420,
    height: 44,
    x: 16,
    y: 16,
    show: false,
    frame: false,
    transparent: true,
    resizable: false,
    movable: false,
    focusable: false,
    skipTaskbar: true,
    alwaysOnTop: true,
    hasShadow: false,
    webPreferences: secureWebPreferences(preload),
  };
}

export function createMainWindow(create: WindowFactory, preload: string): BrowserWindow {
  const window = create(mainWindowOptions(preload));
  lockDownContents(window.webContents);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html#/run`);
  return window;
}

export function createStatusBar(create: WindowFactory, preload: string): BrowserWindow {
  const bar = create(statusBarOptions(preload));
  lockDownContents(bar.webContents);
  bar.setContentProtection(true);
  bar.setIgnoreMouseEvents(true);
  bar.setAlwaysOnTop(true, 'screen-saver');
  bar.setVisibleOnAllWorkspaces(true);
  void bar.loadURL(`${APP_ORIGIN}/index.html#/status`);
  return bar;
}
