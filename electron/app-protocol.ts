/**
 * app://deskpilot/ serves the built UI, run screenshots (/files/<run>/<file>) and reports
 * (/report/<run>.html) from disk. A custom privileged scheme instead of file:// gives the page a
 * real origin for 'self' in the CSP and for the IPC sender check, and lets ES modules load.
 */
import { readFile } from 'node:fs/promises';
import type { Protocol } from 'electron';
import { CONTENT_TYPES, contentType, exportReport, runImagePath } from '../agent/server/run-files.ts';
import { inside } from '../agent/server/run-folders.ts';
import { APP_HOST, APP_SCHEME } from './security.ts';

/** Must run before the app is ready. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

// Root-relative, as `deskpilot serve` gives them: the page resolves them against its own origin
// (app://deskpilot in Electron), so the UI never names the origin it is served from.
export const appFileUrl = (runId: string, file: string) => `/files/${runId.split('/').map(encodeURIComponent).join('/')}/${encodeURIComponent(file)}`;
export const appReportUrl = (runId: string) => `/report/${runId.split('/').map(encodeURIComponent).join('/')}.html`;

async function fileResponse(path: string | undefined): Promise<Response> {
  if (!path) return new Response('not found', { status: 404 });
  try {
    return new Response(await readFile(path), { headers: { 'Content-Type': contentType(path) } });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

/** The scheme's request handler, separate from registration so it can be tested with plain Requests. */
export function appRequestHandler(uiDir: string, runsDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    const path = decodeURIComponent(url.pathname);
    if (path === '/' || path === '/index.html') return fileResponse(inside(uiDir, 'index.html'));
    if (path.startsWith('/assets/')) return fileResponse(inside(uiDir, path.slice(1)));
    if (path.startsWith('/files/')) return fileResponse(await runImagePath(runsDir, path.slice('/files/'.length)));
    const report = /^\/report\/(.+)\.html$/.exec(path);
    if (report) {
      const exported = await exportReport(runsDir, report[1]).catch(() => undefined);
      if (!exported) return new Response('no such run', { status: 404 });
      return new Response(exported.html, { headers: { 'Content-Type': CONTENT_TYPES['.html'], 'Content-Disposition': `attachment; filename="${exported.fileName}"` } });
    }
    return new Response('not found', { status: 404 });
  };
}

export function setupAppProtocol(protocol: Pick<Protocol, 'handle'>, uiDir: string, runsDir: string): void {
  protocol.handle(APP_SCHEME, appRequestHandler(uiDir, runsDir));
}
