/**
 * Chromium will not load a custom scheme without Electron, so the bridge serves it on loopback:
 * `app://deskpilot/x` is `http://deskpilot.localhost:<port>/x` (Chromium resolves *.localhost to
 * 127.0.0.1 itself). Every request is turned back into an app:// Request for the app's own protocol
 * handler, and its response goes through the app's onHeadersReceived hook, as Electron's would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SchemeHandler = (request: Request) => Promise<Response>;
export type Headers = Record<string, string[]>;
export type HeadersHook = (details: { url: string; statusCode: number; responseHeaders: Headers }, callback: (response: { responseHeaders?: Headers; cancel?: boolean }) => void) => void;

const LOOPBACK_SUFFIX = '.localhost';

export class AppOrigin {
  #port = 0;
  #close: () => Promise<void> = async () => undefined;

  private constructor(
    readonly scheme: string,
    private readonly handler: SchemeHandler,
    private readonly headersHook: () => HeadersHook | undefined,
  ) {}

  static async serve(scheme: string, handler: SchemeHandler, headersHook: () => HeadersHook | undefined): Promise<AppOrigin> {
    const origin = new AppOrigin(scheme, handler, headersHook);
    const server = createServer((req, res) => void origin.#answer(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin.#port = (server.address() as AddressInfo).port;
    origin.#close = () => new Promise((resolve) => server.close(() => resolve()));
    return origin;
  }

  close(): Promise<void> {
    return this.#close();
  }

  /** app://host/path -> http://host.localhost:port/path; any other URL unchanged. */
  toLoopback(url: string): string {
    const parsed = new URL(url);
    if (parsed.protocol !== `${this.scheme}:`) return url;
    return `http://${parsed.host}${LOOPBACK_SUFFIX}:${this.#port}${parsed.pathname}${parsed.search}${parsed.hash}`;
  }

  /** The inverse: the URL Electron would report (sender frames, webRequest details); others unchanged. */
  toApp(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return url;
    }
    if (parsed.protocol !== 'http:' || Number(parsed.port) !== this.#port || !parsed.hostname.endsWith(LOOPBACK_SUFFIX)) return url;
    return `${this.scheme}://${parsed.hostname.slice(0, -LOOPBACK_SUFFIX.length)}${parsed.pathname}${parsed.search}${parsed.hash}`;
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = /^([a-z0-9.-]+)\.localhost:\d+$/i.exec(req.headers.host ?? '')?.[1];
    if (!host) {
      res.writeHead(421).end('not an app origin');
      return;
    }
    const url = `${this.scheme}://${host}${req.url ?? '/'}`;
    let response: Response;
    try {
      response = await this.handler(new Request(url, { method: req.method }));
    } catch (error) {
      // Electron fails the request when the handler throws; the page sees a network error.
      process.stderr.write(`electron-bridge: the ${this.scheme}:// handler threw for ${url}: ${String(error)}\n`);
      res.destroy();
      return;
    }
    let headers: Headers = {};
    response.headers.forEach((value, name) => (headers[name] = [value]));
    const hook = this.headersHook();
    if (hook) {
      const decided = await new Promise<{ responseHeaders?: Headers; cancel?: boolean }>((resolve) => hook({ url, statusCode: response.status, responseHeaders: headers }, resolve));
      if (decided.cancel) {
        res.destroy();
        return;
      }
      headers = decided.responseHeaders ?? headers;
    }
    res.writeHead(response.status, headers);
    res.end(Buffer.from(await response.arrayBuffer()));
  }
}
