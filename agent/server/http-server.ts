/**
 * HTTP + WebSocket transport for the agent host, bound to 127.0.0.1 only. Every request and upgrade
 * passes the guard (host, origin, token). Serves the built UI, run files (screenshots by URL) and
 * exported reports; the WebSocket carries protocol commands, replies and events.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, RequestSchema, TOKEN_PARAM, type ServerMessage } from '../protocol/messages.ts';
import type { AgentHost } from './agent-host.ts';
import { checkRequest } from './guard.ts';
import { CONTENT_TYPES, contentType, exportReport, runImagePath } from './run-files.ts';
import { inside } from './run-folders.ts';

export interface ServeOptions {
  host: AgentHost;
  runsDir: string;
  token: string;
  /** 0 picks a free port. */
  port: number;
  /** Folder with the built UI (index.html + assets/). */
  uiDir: string;
}

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** URL path of a file in a run folder; the token rides along so <img> tags can load it. */
export function runFileUrl(token: string): (runId: string, file: string) => string {
  return (runId, file) => `/files/${runId.split('/').map(encodeURIComponent).join('/')}/${encodeURIComponent(file)}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}

export function runReportUrl(token: string): (runId: string) => string {
  return (runId) => `/report/${runId.split('/').map(encodeURIComponent).join('/')}.html?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...extra,
  });
  res.end(body);
}

async function serveIndex(res: ServerResponse, uiDir: string, token: string): Promise<void> {
  let html: string;
  try {
    html = await readFile(join(uiDir, 'index.html'), 'utf8');
  } catch {
    send(res, 503, `The UI is not built (no ${join(uiDir, 'index.html')}). Run deskpilot serve without --no-build.`);
    return;
  }
  // Asset requests need the token too; the bundle is one script and one stylesheet, so rewriting their
  // two URLs is enough (no lazily loaded chunks).
  const q = `?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
  html = html.replace(/((?:src|href)=")(?:\.\/|\/)?(assets\/[^"?]+)"/g, `$1./$2${q}"`);
  send(res, 200, html, CONTENT_TYPES['.html'], { 'Content-Security-Policy': UI_CSP });
}

async function serveFile(res: ServerResponse, file: string | undefined): Promise<void> {
  if (!file) return send(res, 404, 'not found');
  try {
    send(res, 200, await readFile(file), contentType(file));
  } catch {
    send(res, 404, 'not found');
  }
}

async function serveReport(res: ServerResponse, runsDir: string, runId: string): Promise<void> {
  const report = await exportReport(runsDir, runId);
  if (!report) return send(res, 404, `no run.json in run "${runId}"`);
  send(res, 200, report.html, CONTENT_TYPES['.html'], { 'Content-Disposition': `attachment; filename="${report.fileName}"` });
}

async function route(req: IncomingMessage, res: ServerResponse, options: ServeOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = decodeURIComponent(url.pathname);
  if (req.method !== 'GET') return send(res, 405, 'only GET');
  if (path === '/' || path === '/index.html') return serveIndex(res, options.uiDir, options.token);
  if (path.startsWith('/assets/')) return serveFile(res, inside(options.uiDir, path.slice(1)));
  if (path.startsWith('/files/')) {
    return serveFile(res, await runImagePath(options.runsDir, path.slice('/files/'.length)));
  }
  const report = /^\/report\/(.+)\.html$/.exec(path);
  if (report) return serveReport(res, options.runsDir, report[1]);
  send(res, 404, 'not found');
}

function attachSocket(socket: WebSocket, host: AgentHost): void {
  const sendMessage = (message: ServerMessage) => socket.send(JSON.stringify(message));
  const unsubscribe = host.subscribe((event) => sendMessage({ kind: 'event', event }));
  socket.on('close', unsubscribe);
  // A frame over the size limit or of invalid UTF-8 is this client's fault, and ws already closes its
  // socket with 1009 / 1007; without a listener the 'error' event would throw and end the whole server.
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    let request;
    try {
      request = RequestSchema.parse(JSON.parse(String(data)));
    } catch {
      socket.close(1003, 'expected {"id": number, "command": {...}}');
      return;
    }
    void host.dispatch(request.command).then((r) =>
      sendMessage(r.ok ? { kind: 'reply', id: request.id, ok: true, result: r.result } : { kind: 'reply', id: request.id, ok: false, error: r.error }),
    );
  });
}

export async function startServeServer(options: ServeOptions): Promise<RunningServer> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let port = options.port;
  const server: Server = createServer((req, res) => {
    const verdict = checkRequest(req, port, options.token);
    if (!verdict.ok) return send(res, verdict.status, verdict.reason);
    route(req, res, options).catch((error: unknown) => send(res, 500, error instanceof Error ? error.message : String(error)));
  });
  server.on('upgrade', (req, socket, head) => {
    const verdict = checkRequest(req, port, options.token);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (!verdict.ok || path !== '/ws') {
      const status = verdict.ok ? '404 Not Found' : verdict.status === 401 ? '401 Unauthorized' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachSocket(ws, options.host));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/?${TOKEN_PARAM}=${options.token}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
