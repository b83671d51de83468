/**
 * What both transports serve besides the protocol: screenshots of run folders and exported reports.
 * `deskpilot serve` answers them over HTTP, Electron through its app:// scheme.
 */
import { extname } from 'node:path';
import { loadRunInfo } from '../trace/reader.ts';
import type { RunInfo } from '../trace/types.ts';
import { renderReport } from './report.ts';
import { readStepRecords, realInside } from './run-folders.ts';

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

/** The offline HTML report of a run, or undefined when the folder (inside the runs folder) has no valid run.json. */
export async function exportReport(runsDir: string, runId: string): Promise<Report | undefined> {
  const dir = await realInside(runsDir, runId, 'folder');
  if (!dir) return undefined;
  let run: RunInfo;
  try {
    run = await loadRunInfo(dir);
  } catch {
    return undefined;
  }
  const { records } = await readStepRecords(dir);
  const html = await renderReport(dir, { ...run, id: runId }, records);
  return { fileName: `deskpilot-${runId.replace(/\//g, '_')}.html`, html };
}
