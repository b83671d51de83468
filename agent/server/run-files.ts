/**
 * What both transports serve besides the protocol: screenshots of run folders and exported reports.
 * `deskpilot serve` answers them over HTTP, Electron through its app:// scheme.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { RunInfo } from '../trace/types.ts';
import { renderReport } from './report.ts';
import { readStepRecords, runPath } from './run-folders.ts';

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

/** The offline HTML report of a run, or undefined when the folder has no readable run.json. */
export async function exportReport(runsDir: string, runId: string): Promise<Report | undefined> {
  const dir = runPath(runsDir, runId);
  let run: RunInfo;
  try {
    run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunInfo;
  } catch {
    return undefined;
  }
  const html = await renderReport(dir, { ...run, id: runId }, await readStepRecords(dir));
  return { fileName: `deskpilot-${runId.replace(/\//g, '_')}.html`, html };
}
