/**
 * While any run is live the main window gets out of the agent's way (hidden) and the status bar shows;
 * when the last run ends, the main window comes back.
 */
import type { BrowserWindow } from 'electron';
import type { AgentEvent } from '../agent/protocol/messages.ts';

export interface PresenceHost {
  subscribe(listener: (event: AgentEvent) => void): () => void;
}

export function setupRunPresence(host: PresenceHost, main: Pick<BrowserWindow, 'hide' | 'show' | 'isDestroyed'>, bar: Pick<BrowserWindow, 'showInactive' | 'hide' | 'isDestroyed'>): () => void {
  const live = new Set<string>();
  return host.subscribe((event) => {
    if (event.type !== 'run.status') return;
    const before = live.size;
    if (event.run.live) live.add(event.run.id);
    else live.delete(event.run.id);
    if (before === 0 && live.size > 0) {
      if (!main.isDestroyed()) main.hide();
      if (!bar.isDestroyed()) bar.showInactive();
    } else if (before > 0 && live.size === 0) {
      if (!bar.isDestroyed()) bar.hide();
      if (!main.isDestroyed()) main.show();
    }
  });
}
