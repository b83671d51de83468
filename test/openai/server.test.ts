import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startModelServer, type ModelServer } from '../../models/serve/openai-server.ts';
import { openOpenAiBackend, pngDataUrl } from '../../models/openai/backend.ts';
import { collectGeneration, type ChatRequest, type GenerationEvent, type VlmBackend } from '../../models/types.ts';

/**
 * A stand-in model (named so: it is not a VLM) that describes what it received, so the tests can see
 * exactly what crossed the wire: image sizes and pixels, sampling values, the text.
 */
class DescribingModel implements VlmBackend {
  delayMs = 0;
  info() {
    return { spec: 'describing-model', family: 'kimi' as const, coordinates: 'relative' as const };
  }
  async *generate(request: ChatRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    const parts = request.messages.flatMap((m) => (typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content));
    const images = parts.filter((p) => p.type === 'image').map((p) => (p.type === 'image' ? `${p.image.width}x${p.image.height}:${p.image.data[0]}` : ''));
    const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    const thinking = `saw ${images.length} image(s)`;
    const answer = `images=${images.join(',')} text=${text} t=${request.sampling?.temperature} max=${request.sampling?.maxNewTokens}`;
    yield { type: 'thinking', delta: thinking.slice(0, 4) };
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    signal?.throwIfAborted();
    yield { type: 'thinking', delta: thinking.slice(4) };
    for (const word of answer.split(/(?<= )/)) yield { type: 'answer', delta: word };
    yield {
      type: 'done',
      result: { raw: `◁think▷${thinking}◁/think▷${answer}`, thinking, answer, finishReason: 'stop', usage: { promptTokens: 10, completionTokens: 5 }, timings: { totalMs: 1 } },
    };
  }
  async dispose() {}
}

const model = new DescribingModel();
let server: ModelServer;
const image = { width: 30, height: 20, data: new Uint8Array(30 * 20 * 3).fill(77) };

beforeAll(async () => {
  server = await startModelServer({ backend: model, modelName: 'tiny-kimi', maxQueue: 0 });
});
afterAll(async () => server.close());

describe('serve-model speaks the OpenAI API to the official client', () => {
  const client = () => new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
  const messages = async (): Promise<OpenAI.Chat.Completions.ChatCompletionMessageParam[]> => [
    { role: 'user', content: [{ type: 'image_url', image_url: { url: await pngDataUrl(image) } }, { type: 'text', text: 'hi' }] },
  ];

  it('lists the served model', async () => {
    const list = await client().models.list();
    expect(list.data.map((m) => m.id)).toEqual(['tiny-kimi']);
  });

  it('answers a non-stream request with the image, sampling values and usage', async () => {
    const reply = await client().chat.completions.create({ model: 'tiny-kimi', messages: await messages(), temperature: 0.2, max_tokens: 9 });
    expect(reply.choices[0].message.content).toBe('◁think▷saw 1 image(s)◁/think▷images=30x20:77 text=hi t=0.2 max=9');
    expect(reply.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });

  it('streams the same text in chunks, with usage at the end', async () => {
    const stream = await client().chat.completions.create({ model: 'tiny-kimi', messages: await messages(), stream: true, stream_options: { include_usage: true } });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      chunks++;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('◁think▷saw 1 image(s)◁/think▷images=30x20:77 text=hi t=undefined max=undefined');
    expect(chunks).toBeGreaterThan(5);
    expect(usage?.total_tokens).toBe(15);
  });

  it('refuses bad requests with a message naming the problem', async () => {
    await expect(client().chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow(/model "other" is not served here/);
    await expect(
      client().chat.completions.create({ model: 'tiny-kimi', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://example.com/a.png' } }] }] }),
    ).rejects.toThrow(/must be a base64 data URL/);
    await expect(client().chat.completions.create({ model: 'tiny-kimi', messages: [] })).rejects.toThrow(/"messages" must be a non-empty array/);
  });
});

describe('the openai: backend', () => {
  it('streams thinking and answer apart and sends the image at the size given', async () => {
    const backend = openOpenAiBackend(`openai:${server.url}#tiny-kimi`);
    expect(backend.info().family).toBe('kimi');
    expect(backend.info().imageSizeFor?.(1920, 1080)).toEqual({ width: 1196, height: 672 });
    const events: GenerationEvent[] = [];
    const request: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'image', image }, { type: 'text', text: 'go' }] }], sampling: { temperature: 0 } };
    for await (const e of backend.generate(request)) events.push(e);
    const result = (events.at(-1) as Extract<GenerationEvent, { type: 'done' }>).result;
    expect(result.thinking).toBe('saw 1 image(s)');
    expect(result.answer).toBe('images=30x20:77 text=go t=0 max=undefined');
    expect(events.some((e) => e.type === 'thinking')).toBe(true);
    expect(result.usage).toEqual({ promptTokens: 10, completionTokens: 5 });
  });

  it('retries a busy server (429) and gets through', async () => {
    model.delayMs = 300;
    try {
      const a = openOpenAiBackend(`openai:${server.url}#tiny-kimi`, { maxRetries: 6 });
      const request: ChatRequest = { messages: [{ role: 'user', content: 'x' }] };
      // maxQueue is 0: while one runs, the other is refused with 429 until the first is done.
      const results = await Promise.all([collectGeneration(a.generate(request)), collectGeneration(a.generate(request))]);
      expect(results.map((r) => r.answer)).toEqual(['images= text=x t=undefined max=undefined', 'images= text=x t=undefined max=undefined']);
    } finally {
      model.delayMs = 0;
    }
  });

  it('says what is wrong when the server cannot be reached, without the key', async () => {
    const backend = openOpenAiBackend('openai:http://127.0.0.1:9#m', { apiKey: 'sk-secretsecretsecretsecret', maxRetries: 0 });
    const error = await collectGeneration(backend.generate({ messages: [{ role: 'user', content: 'x' }] })).catch((e: Error) => e);
    expect(String(error)).toMatch(/http:\/\/127\.0\.0\.1:9: cannot connect/);
    expect(String(error)).not.toContain('sk-secret');
  });

  it('rejects malformed specs', () => {
    expect(() => openOpenAiBackend('openai:not a url#m')).toThrow(/expected openai:<base-url>#<model>/);
    expect(() => openOpenAiBackend('openai:http://x/v1')).toThrow(/name the served model after #/);
  });
});
