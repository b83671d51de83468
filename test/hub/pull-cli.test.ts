/** `deskpilot model pull` end to end: a hub-like server on 127.0.0.1 serves a tiny checkpoint; the CLI downloads, converts, lists. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeTinyCheckpoint } from '../kimi/fixtures/tiny-checkpoint.ts';
import { startHubServer, type HubServer } from './hub-server.ts';

const exec = promisify(execFile);
const REPO = 'acme/Tiny-Kimi-VL';
const COMMIT = 'abc123'.padEnd(40, '7');
let server: HubServer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pull-cli-'));
  const ckpt = writeTinyCheckpoint(join(root, 'src'), { withTokenizer: true, vocabSize: 163840, shards: 2 });
  const files = readdirSync(ckpt).map((name) => ({ path: name, content: readFileSync(join(ckpt, name)), lfs: name.endsWith('.safetensors') || name.endsWith('.model') }));
  const biggest = files.filter((f) => f.lfs).sort((a, b) => b.content.length - a.content.length)[0];
  server = await startHubServer({ repo: REPO, commit: COMMIT, files, token: 'hf_secret_for_test', dropAfter: [{ path: biggest.path, bytes: Math.floor(biggest.content.length / 2) }] });
}, 120_000);
afterAll(async () => server?.close());

describe('deskpilot model pull', () => {
  it('downloads (resuming a dropped file), verifies, converts and lists the package', async () => {
    const env = { ...process.env, HF_ENDPOINT: server.url, HF_TOKEN: 'hf_secret_for_test', DESKPILOT_CACHE: join(root, 'cache'), DESKPILOT_MODELS: join(root, 'models') };
    const pulled = await exec(process.execPath, ['bin/deskpilot.js', 'model', 'pull', REPO, '--dtype', 'fp32'], { env, maxBuffer: 1 << 24 });
    const pkg = join(root, 'models', 'acme--Tiny-Kimi-VL-fp32');
    expect(pulled.stdout).toContain(`installed ${pkg}`);
    expect(pulled.stderr).not.toContain('hf_secret_for_test');
    const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8'));
    expect(manifest.source).toMatchObject({ repo: REPO, revision: COMMIT });
    expect(existsSync(join(root, 'cache', 'hub', 'acme--Tiny-Kimi-VL', COMMIT))).toBe(false);
    expect(server.requests.some((r) => r.path.startsWith('/cdn/') && r.range)).toBe(true);
    const listed = await exec(process.execPath, ['bin/deskpilot.js', 'model', 'list'], { env });
    expect(listed.stdout).toMatch(/acme--Tiny-Kimi-VL-fp32\s+fp32\s+[\d.]+ (KiB|MiB)\s+acme\/Tiny-Kimi-VL@abc1237/);
  });

  it('fails clearly for a repository the hub does not have', async () => {
    const env = { ...process.env, HF_ENDPOINT: server.url, HF_TOKEN: 'hf_secret_for_test', DESKPILOT_CACHE: join(root, 'cache2'), DESKPILOT_MODELS: join(root, 'models2') };
    const result = await exec(process.execPath, ['bin/deskpilot.js', 'model', 'pull', 'acme/missing'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/acme\/missing@main: not found/);
  });
});
