/**
 * What both transports serve besides the protocol: screenshots of run folders and exported reports.
 * `deskpilot serve` answers them over HTTP, Electron through its app:// scheme.
 */
import { extname, resolve, sep } from 'node:path';
import { readTrace, TraceFormatError, type LoadedTrace } from '../trace/reader.ts';
import { renderReport } from './report.ts';
import { runPath } from './run-folders.ts';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Resolves a path under root, or undefined when it would escape it. */
export function inside(root: string, relative: string): string | undefined {
  const base = resolve(root);
  const full = resolve(base, relative);
  return full.startsWith(base + sep) ? full : undefined;
}

/** An image of a run folder named by "<run id>/<file>"; undefined for anything else. */
export function runImagePath(runsDir: string, relative: string): string | undefined {
  const file = inside(runsDir, relative);
  return file && /\.(png|jpg)$/i.test(file) ? file : undefined;
}

export interface Report {
  fileName: string;
  html: string;
}

/** The offline HTML report of a run (live or finished), or undefined when the folder has no valid run.json. */
export async function exportReport(runsDir: string, runId: string): Promise<Report | undefined> {
  const dir = runPath(runsDir, runId);
  let trace: LoadedTrace;
  try {
    trace = await readTrace(dir, { tolerant: true });
  } catch (error) {
    if (error instanceof TraceFormatError) return undefined;
    throw error;
  }
  const html = await renderReport(dir, { ...trace.run, id: runId }, trace.steps);
  return { fileName: `deskpilot-${runId.replace(/\//g, '_')}.html`, html };
}
