import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullSnapshot } from '../../models/hub/pull.ts';
import { startHubServer, type HubServer, type RepoFile } from './hub-server.ts';

const REPO = 'acme/tiny-vl';
const COMMIT = 'c0ffee'.padEnd(40, '0');
const weights: RepoFile = { path: 'model.safetensors', content: randomBytes(300_000), lfs: true };
const config: RepoFile = { path: 'config.json', content: Buffer.from('{"model_type":"kimi_vl"}'), lfs: false };
const code: RepoFile = { path: 'modeling_kimi_vl.py', content: Buffer.from('print(1)'), lfs: false };

let server: HubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const cache = () => mkdtempSync(join(tmpdir(), 'hub-cache-'));

describe('pullSnapshot against a hub-like server', () => {
  it('downloads the needed files through redirects, verifies them, and skips remote code', async () => {
    server = await startHubServer({ repo: REPO, commit: COMMIT, files: [weights, config, code], token: 'hf_test_token' });
    const progress: number[] = [];
    const result = await pullSnapshot(REPO, cache(), {
      endpoint: server.url,
      token: 'hf_test_token',
      onProgress: (p) => progress.push(p.totalReceived),
    });
    expect(result.commit).toBe(COMMIT);
    expect(readFileSync(join(result.dir, 'model.safetensors')).equals(weights.content)).toBe(true);
    expect(readFileSync(join(result.dir, 'config.json'), 'utf8')).toBe('{"model_type":"kimi_vl"}');
    expect(existsSync(join(result.dir, 'modeling_kimi_vl.py'))).toBe(false);
    expect(server.requests.some((r) => r.path.startsWith('/cdn/'))).toBe(true);
    expect(progress.at(-1)).toBe(weights.content.length + config.content.length);
    // A second pull finds the finished snapshot and downloads nothing.
    const before = server.requests.length;
    await pullSnapshot(REPO, join(result.dir, '..', '..'), { endpoint: server.url, token: 'hf_test_token' });
    expect(server.requests.slice(before).every((r) => r.path.startsWith('/api/'))).toBe(true);
  });

  it('resumes a file after a forced disconnect with a Range request', async () => {
    server = await startHubServer({ repo: REPO, commit: COMMIT, files: [weights, config], dropAfter: [{ path: 'model.safetensors', bytes: 100_000 }] });
    const result = await pullSnapshot(REPO, cache(), { endpoint: server.url });
    expect(readFileSync(join(result.dir, 'model.safetensors')).equals(weights.content)).toBe(true);
    const ranged = server.requests.filter((r) => r.path.startsWith('/cdn/') && r.range);
    expect(ranged.length).toBeGreaterThan(0);
    expect(Number(/bytes=(\d+)-/.exec(ranged[0].range!)![1])).toBeGreaterThanOrEqual(100_000);
  });

  it('refuses a corrupted file and names the mismatch', async () => {
    server = await startHubServer({ repo: REPO, commit: COMMIT, files: [weights, config], corrupt: ['model.safetensors'] });
    const dir = cache();
    await expect(pullSnapshot(REPO, dir, { endpoint: server.url })).rejects.toThrow(/model\.safetensors: sha256 [0-9a-f]{64} does not match the hub's [0-9a-f]{64}/);
    expect(existsSync(join(dir, REPO.replace('/', '--'), COMMIT, 'model.safetensors'))).toBe(false);
  });

  it('explains access and lookup failures', async () => {
    server = await startHubServer({ repo: REPO, commit: COMMIT, files: [config], token: 'hf_right' });
    await expect(pullSnapshot(REPO, cache(), { endpoint: server.url, token: 'hf_wrong' })).rejects.toThrow(/access denied \(401\); set HF_TOKEN/);
    await expect(pullSnapshot('acme/other', cache(), { endpoint: server.url, token: 'hf_right' })).rejects.toThrow(/acme\/other@main: not found/);
    await expect(pullSnapshot('not a repo', cache(), { endpoint: server.url })).rejects.toThrow(/not a repository id/);
  });
});
