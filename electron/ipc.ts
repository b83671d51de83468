/** The protocol over IPC: one invoke channel for commands, one event channel to every app window. */
import type { BrowserWindow, IpcMain } from 'electron';
import { IPC_CHANNELS } from './channel-names.ts';
import type { AgentHost } from '../agent/server/agent-host.ts';
import { handle, send } from './channels.ts';
import { isTrustedSender } from './security.ts';

export function setupIpc(ipc: Pick<IpcMain, 'handle'>, host: Pick<AgentHost, 'dispatch' | 'subscribe'>, windows: () => BrowserWindow[]): () => void {
  handle(ipc, IPC_CHANNELS.command, isTrustedSender, (command) => host.dispatch(command));
  return host.subscribe((event) => {
    for (const window of windows()) send(window.webContents, IPC_CHANNELS.event, event);
  });
}
