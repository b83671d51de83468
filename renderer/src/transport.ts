/**
 * The client side of the protocol. One interface, two transports: the Electron preload bridge when
 * present, otherwise a WebSocket to `deskpilot serve` carrying the token from the page URL.
 */
import {
  TOKEN_PARAM,
  type AgentEvent,
  type Command,
  type CommandResults,
  type CommandType,
  type DeskpilotBridge,
  type ServerMessage,
} from '../../agent/protocol/messages.ts';

type Outcome = { ok: true; result: unknown } | { ok: false; error: string };

export interface Client {
  request<T extends CommandType>(command: Extract<Command, { type: T }>): Promise<CommandResults[T]>;
  onEvent(listener: (event: AgentEvent) => void): () => void;
}

function unwrap<T>(outcome: Outcome): T {
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.result as T;
}

function bridgeClient(bridge: DeskpilotBridge): Client {
  return {
    request: async (command) => unwrap(await bridge.command(command)),
    onEvent: (listener) => bridge.onEvent(listener),
  };
}

function socketClient(url: string): Client {
  const listeners = new Set<(event: AgentEvent) => void>();
  const waiting = new Map<number, (outcome: Outcome) => void>();
  let nextId = 1;
  let socket: WebSocket;
  let ready: Promise<WebSocket>;
  const connect = () => {
    socket = new WebSocket(url);
    ready = new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(socket), { once: true });
      socket.addEventListener('error', () => reject(new Error('cannot reach the DeskPilot server (is deskpilot serve running?)')), { once: true });
    });
    socket.addEventListener('message', (message) => {
      const data = JSON.parse(String(message.data)) as ServerMessage;
      if (data.kind === 'event') listeners.forEach((l) => l(data.event));
      else waiting.get(data.id)?.(data.ok ? { ok: true, result: data.result } : { ok: false, error: data.error });
    });
    socket.addEventListener('close', () => {
      for (const resolve of waiting.values()) resolve({ ok: false, error: 'connection to the DeskPilot server closed' });
      waiting.clear();
      setTimeout(connect, 1000);
    });
  };
  connect();
  return {
    async request(command) {
      const open = await ready;
      const id = nextId++;
      const outcome = new Promise<Outcome>((resolve) => waiting.set(id, resolve));
      open.send(JSON.stringify({ id, command }));
      const result = await outcome;
      waiting.delete(id);
      return unwrap(result);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function createClient(): Client {
  const bridge = (window as unknown as { deskpilot?: DeskpilotBridge }).deskpilot;
  if (bridge) return bridgeClient(bridge);
  const token = new URLSearchParams(location.search).get(TOKEN_PARAM) ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return socketClient(`${scheme}://${location.host}/ws?${TOKEN_PARAM}=${encodeURIComponent(token)}`);
}
