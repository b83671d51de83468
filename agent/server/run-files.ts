/**
 * What both transports serve besides the protocol: screenshots of run folders and exported reports.
 * `deskpilot serve` answers them over HTTP, Electron through its app:// scheme.
 */
import { extname } from 'node:path';
import { readTrace, TraceFormatError, type LoadedTrace } from '../trace/reader.ts';
import { renderReport } from './report.ts';
import { realInside } from './run-folders.ts';

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

/** An image of a run folder named by "<run id>/<file>", not led out of the runs folder by a link; undefined for anything else. */
export async function runImagePath(runsDir: string, relative: string): Promise<string | undefined> {
  return /\.(png|jpg)$/i.test(relative) ? realInside(runsDir, relative) : undefined;
}

export interface Report {
  fileName: string;
  html: string;
}

/** The offline HTML report of a run (live or finished), or undefined when the folder has no valid run.json. */
export async function exportReport(runsDir: string, runId: string): Promise<Report | undefined> {
  const dir = await realInside(runsDir, runId, 'folder');
  if (!dir) return undefined;
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
