/**
 * An app window's `window.deskpilot` (what the real preload exposes) driven from the test: a command
 * goes as the page's own would, through ipcRenderer.invoke, the bridge's binding and the app's ipcMain
 * handler with its sender check; events are the ones the main process sends to that window.
 */
import type { Page } from 'playwright-core';
import type { AgentEvent } from '../../../agent/protocol/messages.ts';

/** The host's reply to a command, as both transports deliver it. */
export type CommandReply = { ok: boolean; result?: unknown; error?: string };

interface PageBridge {
  command(command: unknown): Promise<CommandReply>;
  onEvent(listener: (event: AgentEvent) => void): () => void;
}
/** The page's globals, typed loosely: the tests are compiled without the DOM library. */
type PageGlobals = Record<string, unknown> & { deskpilot: PageBridge };

/** Sends `command` through the page's bridge; rejects as the page's call would (a refused sender). */
export function bridgeCommand(page: Page, command: unknown): Promise<CommandReply> {
  return page.evaluate((c) => (globalThis as unknown as PageGlobals).deskpilot.command(c), command);
}

let collectors = 0;

/** Pushes onto `into`, in order, every event the page's bridge receives from now until it navigates. */
export async function collectBridgeEvents(page: Page, into: AgentEvent[]): Promise<void> {
  const binding = `__collectBridgeEvents${++collectors}`;
  await page.exposeFunction(binding, (event: AgentEvent) => void into.push(event));
  await page.evaluate((name) => {
    const w = globalThis as unknown as PageGlobals;
    w.deskpilot.onEvent((event) => void (w[name] as (e: AgentEvent) => Promise<void>)(event));
  }, binding);
}
