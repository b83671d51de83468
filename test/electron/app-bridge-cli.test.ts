/** `npm run app:bridge`: the desktop app on the Electron bridge, as a user starts it without an Electron binary. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deskpilot-app-bridge-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function appBridge(...args: string[]) {
  const env = { ...process.env };
  delete env.DISPLAY; // headless, whatever display the test runner has
  return spawnSync('npm', ['run', '--silent', 'app:bridge', '--', ...args], { cwd: REPO, env, encoding: 'utf8', timeout: 120_000 });
}

describe('npm run app:bridge', () => {
  it('--screenshot writes a PNG of the main window showing its first screen, and exits 0', async () => {
    const out = join(dir, 'out.png');
    const run = appBridge('--screenshot', out, '--runs-dir', join(dir, 'runs'));
    expect(run.stderr).not.toContain('app:bridge:');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`wrote ${out}`);
    // The main window's size (electron/windows.ts), the dark tab bar on top, the light form below it.
    const image = sharp(out);
    expect(await image.metadata()).toMatchObject({ format: 'png', width: 1280, height: 860 });
    const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const luma = (x: number, y: number) => {
      const i = (y * info.width + x) * 3;
      return (data[i] + data[i + 1] + data[i + 2]) / 3;
    };
    expect(luma(1000, 20)).toBeLessThan(80);
    expect(luma(1000, 600)).toBeGreaterThan(200);
  });

  it('refuses bad usage with the reason and exit code 2', () => {
    const missing = appBridge('--screenshot');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--screenshot needs a value');
    const unknown = appBridge('--window', 'big');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown option "--window"');
    const notPng = appBridge('--screenshot', join(dir, 'shot.jpg'));
    expect(notPng.status).toBe(2);
    expect(notPng.stderr).toContain('name the file *.png');
  });
});
