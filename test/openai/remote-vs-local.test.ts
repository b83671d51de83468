/**
 * The remote path against the real local runtime: a tiny converted Kimi-VL package served by
 * `deskpilot serve-model` (a child process), reached through the openai: backend and the official
 * client, must give the same greedy output as the in-process kimi-vl: backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import OpenAI from 'openai';
import { makeTinyPackage } from '../support/kimi-package.ts';
import { openKimiBackend } from '../../models/kimi/backend.ts';
import { openOpenAiBackend, pngDataUrl } from '../../models/openai/backend.ts';
import { collectGeneration, type ChatRequest, type VlmBackend } from '../../models/types.ts';

let pkg: string;
let server: ChildProcess | undefined;
let url = '';
let local: VlmBackend | undefined;

const image = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).map((_, i) => (i * 37) % 251) };
const request: ChatRequest = {
  messages: [{ role: 'user', content: [{ type: 'image', image }, { type: 'text', text: 'Where is the Save button?' }] }],
  sampling: { temperature: 0, maxNewTokens: 12 },
};

beforeAll(async () => {
  ({ pkg } = await makeTinyPackage());
  server = spawn(process.execPath, ['bin/deskpilot.js', 'serve-model', pkg, '--port', '0', '--name', 'tiny-kimi'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  let err = '';
  server.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 120_000;
  while (!/serving tiny-kimi at (\S+)/.test(out)) {
    if (server.exitCode !== null) throw new Error(`serve-model exited: ${err}`);
    if (Date.now() > deadline) throw new Error(`serve-model did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  url = /serving tiny-kimi at (\S+)/.exec(out)![1];
  local = await openKimiBackend(pkg);
}, 240_000);

afterAll(async () => {
  await local?.dispose();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
});

describe('serve-model over the local runtime', () => {
  it('the openai: backend gives the same greedy output and usage as the in-process backend', async () => {
    const inProcess = await collectGeneration(local!.generate(request));
    const remote = await collectGeneration(openOpenAiBackend(`openai:${url}#tiny-kimi`, { family: 'kimi' }).generate(request));
    expect(inProcess.usage?.completionTokens).toBeGreaterThan(0);
    expect(remote.raw).toBe(inProcess.raw);
    expect(remote.usage).toEqual(inProcess.usage);
  });

  it('the official client gets the same text streamed and not streamed', async () => {
    const client = new OpenAI({ baseURL: url, apiKey: 'unused' });
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'user', content: [{ type: 'image_url', image_url: { url: await pngDataUrl(image) } }, { type: 'text', text: 'Where is the Save button?' }] },
    ];
    const whole = await client.chat.completions.create({ model: 'tiny-kimi', messages, temperature: 0, max_tokens: 12 });
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'tiny-kimi', messages, temperature: 0, max_tokens: 12, stream: true })) {
      streamed += chunk.choices[0]?.delta.content ?? '';
    }
    const inProcess = await collectGeneration(local!.generate(request));
    expect(whole.choices[0].message.content).toBe(inProcess.raw);
    expect(streamed).toBe(inProcess.raw);
    expect(whole.usage?.completion_tokens).toBe(inProcess.usage?.completionTokens);
    // The server's engine answered this prompt before: its KV cache served most of it, reported as OpenAI does.
    const cached = whole.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(whole.usage!.prompt_tokens);
  });
});
