/**
 * What the bridge puts into each window's page before any of its scripts run: Electron's renderer
 * side of IPC for the real preload bundle (`require('electron')` gives contextBridge and ipcRenderer,
 * wired to the main process through two Playwright bindings), and key forwarding for global shortcuts.
 * There is no context isolation here: the page's own scripts could reach these functions too.
 */

/** Page -> main: invoke(channel, args). Page -> main: a key press with a modifier. */
export const INVOKE_BINDING = '__electronBridgeInvoke';
export const KEY_BINDING = '__electronBridgeKey';
/** Main -> page: deliver(channel, payload) to the ipcRenderer.on listeners. */
export const DELIVER_FUNCTION = '__electronBridgeDeliver';

export interface KeyPress {
  key: string;
  code: string;
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
}

/** The init script for a window whose webPreferences name `preloadCode` (CommonJS, as Electron loads it). */
export function rendererInitScript(preloadCode: string | undefined): string {
  const preload = preloadCode === undefined ? '' : `
  const listeners = new Map();
  const ipcRenderer = {
    invoke: (channel, ...args) => window.${INVOKE_BINDING}(channel, args),
    on(channel, listener) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      return ipcRenderer;
    },
    removeListener(channel, listener) {
      listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== listener));
      return ipcRenderer;
    },
  };
  Object.defineProperty(window, '${DELIVER_FUNCTION}', {
    value: (channel, payload) => (listeners.get(channel) ?? []).forEach((l) => l({ sender: ipcRenderer }, payload)),
  });
  const contextBridge = {
    exposeInMainWorld(key, api) {
      Object.defineProperty(window, key, { value: Object.freeze({ ...api }), enumerable: true });
    },
  };
  const require = (name) => {
    if (name === 'electron') return { contextBridge, ipcRenderer };
    throw new Error("a sandboxed preload can require only 'electron' (it asked for '" + name + "')");
  };
  const module = { exports: {} };
  (function (exports, require, module) {
${preloadCode}
  })(module.exports, require, module);`;
  // Electron runs the preload in the main frame only (nodeIntegrationInSubFrames is off).
  return `(() => {
  if (window !== window.top) return;
  window.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey) window.${KEY_BINDING}({ key: e.key, code: e.code, ctrl: e.ctrlKey, alt: e.altKey, shift: e.shiftKey, meta: e.metaKey });
  }, true);${preload}
})();`;
}

/** Does a key press match an Electron accelerator ("CommandOrControl+Alt+Shift+S")? Linux meanings. */
export function matchesAccelerator(accelerator: string, press: KeyPress): boolean {
  const parts = accelerator.split('+').map((p) => p.toLowerCase());
  const key = parts.pop() ?? '';
  const wants = { ctrl: false, alt: false, shift: false, meta: false };
  for (const part of parts) {
    if (['commandorcontrol', 'cmdorctrl', 'control', 'ctrl'].includes(part)) wants.ctrl = true;
    else if (['alt', 'option', 'altgr'].includes(part)) wants.alt = true;
    else if (part === 'shift') wants.shift = true;
    else if (['super', 'meta', 'command', 'cmd'].includes(part)) wants.meta = true;
    else throw new Error(`electron-bridge: unknown modifier "${part}" in accelerator "${accelerator}"`);
  }
  const sameKey = press.key.toLowerCase() === key || press.code.toLowerCase() === `key${key}` || press.code.toLowerCase() === `digit${key}`;
  return sameKey && press.ctrl === wants.ctrl && press.alt === wants.alt && press.shift === wants.shift && press.meta === wants.meta;
}
