/**
 * `deskpilot serve` refuses requests and WebSocket upgrades without the token, and requests naming a
 * foreign Host (DNS rebinding) or Origin, while the right token from the right origin works.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ask, startServe, type ServeProcess } from './serve-process.ts';
import { writeFixtureRun } from './fixtures.ts';
import { request } from 'node:http';

let serve: ServeProcess;
let runsDir: string;

beforeAll(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'deskpilot-sec-'));
  await writeFixtureRun(runsDir, 'run-a', 'fixture run');
  serve = await startServe(runsDir);
});

afterAll(async () => {
  await serve?.stop();
  await rm(runsDir, { recursive: true, force: true });
});

/** A raw GET with chosen headers (fetch would not let a test forge Host). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: serve.port, path, headers: { host: `127.0.0.1:${serve.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket and resolves with the HTTP status of a refused upgrade, or 101 when it opened. */
function upgrade(query: string, headers: Record<string, string> = {}): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${serve.port}/ws${query}`, { headers });
    socket.on('open', () => resolve({ status: 101, socket }));
    socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.on('error', () => resolve({ status: -1 }));
  });
}

describe('deskpilot serve access control', () => {
  it('serves the UI only with the token', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    const ok = await get(`/?token=${serve.token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<div id="root">');
    expect(ok.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ok.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self';/);
    // The bundle's URLs carry the token, so the page's own assets load.
    const asset = /src="(\.\/assets\/[^"]+\?token=[^"]+)"/.exec(ok.body)?.[1] ?? '';
    const bundle = await get(asset.slice(1));
    expect(bundle.status).toBe(200);
    // Built as production React even though this test process runs with NODE_ENV=test.
    expect(bundle.body).not.toContain('jsxDEV');
    expect((await get(asset.slice(1).replace(/\?token=.*/, ''))).status).toBe(401);
  });

  it('refuses a DNS-rebinding Host and a foreign Origin even with the token', async () => {
    expect((await get(`/?token=${serve.token}`, { host: `evil.example:${serve.port}` })).status).toBe(403);
    expect((await get(`/?token=${serve.token}`, { host: `127.0.0.1:${serve.port + 1}` })).status).toBe(403);
    expect((await get(`/?token=${serve.token}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`/?token=${serve.token}`, { origin: serve.origin })).status).toBe(200);
  });

  it('refuses WebSocket upgrades without the token or from a foreign origin', async () => {
    expect((await upgrade('')).status).toBe(401);
    expect((await upgrade('?token=nope')).status).toBe(401);
    expect((await upgrade(`?token=${serve.token}`, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await upgrade(`?token=${serve.token}`, { Host: 'attacker.test' })).status).toBe(403);
    const good = await upgrade(`?token=${serve.token}`, { Origin: serve.origin });
    expect(good.status).toBe(101);
    good.socket?.close();
  });

  it('validates commands in the dispatcher and names the bad field', async () => {
    const { socket } = await upgrade(`?token=${serve.token}`, { Origin: serve.origin });
    if (!socket) throw new Error('socket did not open');
    try {
      const bad = await ask(socket, { type: 'run.start', options: { instruction: '', model: 'x' } });
      expect(bad.ok).toBe(false);
      expect(bad.error).toMatch(/options\.instruction/);
      const unknown = await ask(socket, { type: 'format.disk' });
      expect(unknown.ok).toBe(false);
      const escape = await ask(socket, { type: 'runs.get', runId: '../etc' });
      expect(escape.ok).toBe(false);
      const list = await ask(socket, { type: 'runs.list' });
      expect(list.ok).toBe(true);
      expect((list.result as { runs: { id: string; steps: number }[] }).runs).toEqual([expect.objectContaining({ id: 'run-a', steps: 4 })]);
    } finally {
      socket.close();
    }
  });

  it('serves run screenshots by URL with the token, and nothing outside the runs folder', async () => {
    const { socket } = await upgrade(`?token=${serve.token}`, { Origin: serve.origin });
    if (!socket) throw new Error('socket did not open');
    const got = await ask(socket, { type: 'runs.get', runId: 'run-a' });
    socket.close();
    const url = (got.result as { steps: { screenshotUrl: string }[] }).steps[0].screenshotUrl;
    expect((await get(url)).status).toBe(200);
    expect((await get(url.replace(/\?token=.*/, ''))).status).toBe(401);
    expect((await get(`/files/..%2F..%2Fetc%2Fpasswd?token=${serve.token}`)).status).toBe(404);
  });
});
