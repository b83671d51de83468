import { createContext, useContext, useEffect, useState } from 'react';
import type { AgentEvent } from '../../agent/protocol/messages.ts';
import type { Client } from './transport.ts';

export const ClientContext = createContext<Client | null>(null);

export function useClient(): Client {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside ClientContext');
  return client;
}

/** Subscribes to host events for the component's lifetime. */
export function useEvents(listener: (event: AgentEvent) => void, deps: unknown[]): void {
  const client = useClient();
  useEffect(() => client.onEvent(listener), [client, ...deps]);
}

/** The hash route split into segments: "#/replay/a/b" -> ["replay", "a/b"]. */
export function useRoute(): [string, string] {
  const read = (): [string, string] => {
    const [head = 'run', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
    return [head || 'run', rest.map(decodeURIComponent).join('/')];
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function go(screen: string, id?: string): void {
  location.hash = `#/${screen}${id ? '/' + id.split('/').map(encodeURIComponent).join('/') : ''}`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
