/**
 * `deskpilot serve` usage errors exit 2 with a message naming the bad option and value; --open hands
 * the browser a private page instead of putting the token on a command line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('deskpilot serve --open', () => {
  it('opens a page readable by this user only that forwards to the URL; the token is on no command line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serve-open-'));
    try {
      // Stands in for the desktop's opener: records what it was given.
      const opener = join(dir, 'xdg-open');
      await writeFile(opener, `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/argv\nstat -c %a "$1" > ${dir}/mode\ncat "$1" > ${dir}/page\n`);
      await chmod(opener, 0o755);
      const child = spawn(process.execPath, [CLI, 'serve', '--open', '--no-build', '--port', '0', '--runs-dir', join(dir, 'runs')], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      await expect.poll(() => existsSync(join(dir, 'page')) && /DeskPilot UI: (\S+)/.test(output), { timeout: 60_000, interval: 100 }).toBe(true);
      await expect.poll(async () => (await readFile(join(dir, 'page'), 'utf8')).length, { timeout: 5000 }).toBeGreaterThan(0);
      const url = /DeskPilot UI: (\S+)/.exec(output)![1]!;
      const token = new URL(url).searchParams.get('token')!;
      const argv = await readFile(join(dir, 'argv'), 'utf8');
      expect(argv).not.toContain(token);
      expect((await readFile(join(dir, 'mode'), 'utf8')).trim()).toBe('600');
      expect(await readFile(join(dir, 'page'), 'utf8')).toContain(`url=${url.replace(/&/g, '&amp;')}`);
      const page = argv.trim();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      expect(existsSync(page)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
