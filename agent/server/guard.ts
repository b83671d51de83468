/**
 * Who may talk to `deskpilot serve`: a request must name our host (127.0.0.1 / localhost / [::1] at our
 * port; anything else is a DNS-rebinding attempt), come from our own origin when a browser says where
 * it comes from, and carry the per-start token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_HEADER, TOKEN_PARAM } from '../protocol/messages.ts';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function allowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  return LOOPBACK_NAMES.some((name) => host.toLowerCase() === `${name}:${port}`);
}

/** No Origin header (curl, same-origin GET of a page) is fine; a present one must be ours exactly. */
export function allowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return LOOPBACK_NAMES.some((name) => origin.toLowerCase() === `http://${name}:${port}`);
}

export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export function checkRequest(req: IncomingMessage, port: number, token: string): GuardVerdict {
  if (!allowedHost(req.headers.host, port)) return { ok: false, status: 403, reason: `host "${req.headers.host ?? ''}" is not this server` };
  if (!allowedOrigin(req.headers.origin, port)) return { ok: false, status: 403, reason: `origin "${req.headers.origin}" is not allowed` };
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  const header = req.headers[TOKEN_HEADER];
  const given = url.searchParams.get(TOKEN_PARAM) ?? (Array.isArray(header) ? header[0] : header);
  if (!tokenMatches(given, token)) return { ok: false, status: 401, reason: 'missing or wrong token (open the URL printed by deskpilot serve)' };
  return { ok: true };
}
