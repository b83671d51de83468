/** `deskpilot serve` usage errors exit 2 with a message naming the bad option and value. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../agent/cli/commands/serve.ts';

const CLI = fileURLToPath(new URL('../../bin/deskpilot.js', import.meta.url));

describe('deskpilot serve arguments', () => {
  it('reads port, runs folder and flags', () => {
    expect(parseServeArgs(['--port', '8123', '--runs-dir', '/tmp/r', '--open', '--no-build'], {})).toEqual({ port: 8123, runsDir: '/tmp/r', open: true, build: false });
    expect(parseServeArgs([], { XDG_DATA_HOME: '/data' })).toEqual({ port: 0, runsDir: '/data/deskpilot/runs', open: false, build: true });
  });

  it('refuses a bad port or an unknown option with exit code 2', () => {
    const bad = spawnSync(process.execPath, [CLI, 'serve', '--port', 'eighty'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--port must be an integer 0..65535 (got "eighty")');
    const unknown = spawnSync(process.execPath, [CLI, 'serve', '--host', '0.0.0.0'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown option "--host"');
  });
});
