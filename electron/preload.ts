/**
 * Exposes exactly the protocol to the renderer: send a command, listen to events. No generic
 * invoke, no ipcRenderer, no Node. Runs sandboxed, so it is bundled to CommonJS before packaging.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AgentEvent, DeskpilotBridge } from '../agent/protocol/messages.ts';
import { IPC_CHANNELS } from './channel-names.ts';

const bridge: DeskpilotBridge = {
  command: (command) => ipcRenderer.invoke(IPC_CHANNELS.command, command),
  onEvent: (listener) => {
    const forward = (_event: IpcRendererEvent, payload: AgentEvent) => listener(payload);
    ipcRenderer.on(IPC_CHANNELS.event, forward);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, forward);
    };
  },
};

contextBridge.exposeInMainWorld('deskpilot', bridge);
