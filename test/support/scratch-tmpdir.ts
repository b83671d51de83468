/**
 * Vitest global setup: the whole test run, its workers and every process they start (CLIs, Chromium,
 * servers) write temporary files under one folder of its own, removed when the run ends. A run thus
 * leaves nothing in /tmp, whatever a test forgets to clean up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const outer = process.env.TMPDIR;
  // A short name: Chromium's singleton socket path, nested under it, must stay within 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'dp-tests-'));
  process.env.TMPDIR = dir;
  return () => {
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    rmSync(dir, { recursive: true, force: true });
  };
}
