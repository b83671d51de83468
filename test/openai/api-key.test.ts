/**
 * Where the API key goes: OPENAI_API_KEY (meant for OpenAI) only over https or to this machine;
 * DESKPILOT_API_KEY (named for DeskPilot's endpoint) wherever the spec points, with a warning when
 * that is plain http to another machine. Checked on the Authorization header the client really sends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseApiKey, openOpenAiBackend } from '../../models/openai/backend.ts';
import { collectGeneration } from '../../models/types.ts';

const seen: (string | undefined)[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"no"}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The Authorization header the client sends to baseURL (a loopback server, or a captured fetch for a remote one). */
async function authorizationFor(baseURL: string, env: NodeJS.ProcessEnv): Promise<{ header: string | undefined; warnings: string[] }> {
  const saved = { ...process.env };
  delete process.env.OPENAI_API_KEY;
  delete process.env.DESKPILOT_API_KEY;
  Object.assign(process.env, env);
  const warnings: string[] = [];
  let captured: string | undefined;
  const remote: typeof fetch = async (_url, init) => {
    captured = new Headers(init?.headers).get('authorization') ?? undefined;
    return new Response('{"error":{"message":"no"}}', { status: 401, headers: { 'content-type': 'application/json' } });
  };
  try {
    const local = baseURL.includes('127.0.0.1');
    const backend = openOpenAiBackend(`openai:${baseURL}#m`, { maxRetries: 0, onWarning: (w) => warnings.push(w), ...(local ? {} : { fetch: remote }) });
    await collectGeneration(backend.generate({ messages: [{ role: 'user', content: 'x' }] })).catch(() => undefined);
    return { header: local ? seen.at(-1) : captured, warnings };
  } finally {
    process.env = saved;
  }
}

describe('API keys', () => {
  it('OPENAI_API_KEY is not sent over plain http to another machine, and the user is told', async () => {
    const remote = await authorizationFor('http://gpu-box.invalid:8000/v1', { OPENAI_API_KEY: 'sk-openai-key-1234567890' });
    expect(remote.header).toBe('Bearer no-key');
    expect(remote.warnings).toEqual([expect.stringMatching(/OPENAI_API_KEY is not sent to http:\/\/gpu-box\.invalid:8000\/v1: it is plain http/)]);
    const local = await authorizationFor(`http://127.0.0.1:${port}/v1`, { OPENAI_API_KEY: 'sk-openai-key-1234567890' });
    expect(local.header).toBe('Bearer sk-openai-key-1234567890');
    expect(local.warnings).toEqual([]);
    const tls = await authorizationFor('https://api.example.invalid/v1', { OPENAI_API_KEY: 'sk-openai-key-1234567890' });
    expect(tls.header).toBe('Bearer sk-openai-key-1234567890');
  });

  it('DESKPILOT_API_KEY goes where the spec points, with a warning over plain http', async () => {
    const remote = await authorizationFor('http://gpu-box.invalid:8000/v1', { DESKPILOT_API_KEY: 'box-key-1234', OPENAI_API_KEY: 'sk-openai-key-1234567890' });
    expect(remote.header).toBe('Bearer box-key-1234');
    expect(remote.warnings).toEqual([expect.stringMatching(/DESKPILOT_API_KEY is sent to http:\/\/gpu-box\.invalid:8000\/v1 over plain http/)]);
  });

  it('a key given in the options is used as given', () => {
    expect(chooseApiKey('http://gpu-box:8000/v1', 'explicit', { OPENAI_API_KEY: 'sk-x' })).toEqual({ key: 'explicit' });
    expect(chooseApiKey('http://[::1]:8000/v1', undefined, { OPENAI_API_KEY: 'sk-x' })).toEqual({ key: 'sk-x' });
  });
});
