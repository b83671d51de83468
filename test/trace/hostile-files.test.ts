/**
 * `deskpilot replay` on traces a user may really meet: a run killed before its first step, a FIFO in
 * place of a trace file (must not hang), a steps.jsonl too big to read whole (a clear error, not a
 * stack trace). Each ends with exit code 2 and a message that names the file and says what is wrong.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, truncate, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TRACE_FILE_BYTES } from '../../agent/trace/reader.ts';
import { TraceWriter } from '../../agent/trace/writer.ts';
import { deskpilot } from '../cli/cli.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deskpilot-hostile-files-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function emptyRun(name: string): Promise<string> {
  const dir = join(root, name);
  const writer = await TraceWriter.create(dir, { instruction: 'x', model: 'script:/x.json', family: 'pyautogui', settings: { maxSteps: 5 } });
  await writer.close();
  return dir;
}

describe('deskpilot replay on hostile trace files', () => {
  it('a run killed before step 1 says so', async () => {
    const dir = await emptyRun('killed');
    const result = await deskpilot(['replay', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${dir} recorded no steps: the run ended before its first step (run.json still says "running": it was killed or is still starting)`);
    expect(result.stderr).not.toContain('--from-step');
  });

  it('a FIFO in place of traj.jsonl or steps.jsonl is refused, not waited on', async () => {
    for (const file of ['traj.jsonl', 'steps.jsonl']) {
      const dir = await emptyRun(`fifo-${file}`);
      await unlink(join(dir, file));
      execFileSync('mkfifo', [join(dir, file)]);
      const result = await deskpilot(['replay', dir], process.env, 30_000);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`${join(dir, file)}: is not a regular file (a FIFO, device or folder)`);
    }
  });

  it('a steps.jsonl over the readable size is a clear error', async () => {
    const dir = await emptyRun('huge');
    await truncate(join(dir, 'steps.jsonl'), MAX_TRACE_FILE_BYTES + 1); // sparse: no disk used
    const result = await deskpilot(['replay', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(dir, 'steps.jsonl')}: is ${MAX_TRACE_FILE_BYTES + 1} bytes, more than the ${MAX_TRACE_FILE_BYTES} bytes`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('trace files are private to the user: folder 0700, files 0600', async () => {
    const dir = await emptyRun('modes');
    const mode = (p: string) => (execFileSync('stat', ['-c', '%a', p]).toString().trim());
    expect(mode(dir)).toBe('700');
    for (const file of ['run.json', 'steps.jsonl', 'traj.jsonl']) expect(mode(join(dir, file))).toBe('600');
  });
});
