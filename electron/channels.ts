/**
 * The one IPC channel map, typed once. Main-process code registers handlers and sends events only
 * through these wrappers, so a channel name or payload type cannot drift between the two sides, and
 * every handler checks its sender before it runs.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { AgentEvent } from '../agent/protocol/messages.ts';
import { IPC_CHANNELS } from './channel-names.ts';
import type { DispatchResult } from '../agent/server/agent-host.ts';

/** renderer -> main (invoke). Arguments arrive untrusted; the host's dispatcher validates them. */
export interface InvokeChannels {
  [IPC_CHANNELS.command]: { args: [command: unknown]; result: DispatchResult };
}

/** main -> renderer (send). */
export interface EventChannels {
  [IPC_CHANNELS.event]: AgentEvent;
}

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

export class UntrustedSenderError extends Error {
  override name = 'UntrustedSenderError';
}

export function handle<K extends keyof InvokeChannels>(
  ipc: Pick<IpcMain, 'handle'>,
  channel: K,
  trusted: SenderCheck,
  handler: (...args: InvokeChannels[K]['args']) => Promise<InvokeChannels[K]['result']>,
): void {
  ipc.handle(channel, (event, ...args: unknown[]) => {
    if (!trusted(event)) throw new UntrustedSenderError(`refused ${channel} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
    return handler(...(args as InvokeChannels[K]['args']));
  });
}

export function send<K extends keyof EventChannels>(contents: Pick<WebContents, 'send' | 'isDestroyed'>, channel: K, payload: EventChannels[K]): void {
  if (!contents.isDestroyed()) contents.send(channel, payload);
}
