/**
 * `serve-model` against hostile clients: memory is bounded before any image is decoded (a 8000x8000 PNG
 * of a few hundred KB is refused from its header; requests answered 429 decode nothing), web pages
 * cannot reach it (foreign Host or Origin), and bad sampling values or content are 400s that name the
 * field, never 500s.
 */
import { request } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../../models/serve/openai-server.ts';
import type { ChatRequest, GenerationEvent, VlmBackend } from '../../models/types.ts';

/** A stand-in model that answers after a delay with the sizes of the images it was given. */
class SlowModel implements VlmBackend {
  delayMs = 0;
  info() {
    return { spec: 'slow-model', family: 'kimi' as const, coordinates: 'relative' as const };
  }
  async *generate(req: ChatRequest): AsyncIterable<GenerationEvent> {
    const sizes = req.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.flatMap((p) => (p.type === 'image' ? [`${p.image.width}x${p.image.height}`] : []))));
    await new Promise((r) => setTimeout(r, this.delayMs));
    const answer = `images=${sizes.join(',')}`;
    yield { type: 'done', result: { raw: answer, thinking: '', answer, finishReason: 'stop', timings: { totalMs: 1 } } };
  }
  async dispose() {}
}

const model = new SlowModel();
let strict: ModelServer; // default pixel budget
let roomy: ModelServer; // admits the 8000x8000 image, so a busy model turns it away with 429
let hugePng: string;

beforeAll(async () => {
  const png = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: { r: 20, g: 120, b: 200 } } }).png().toBuffer();
  hugePng = `data:image/png;base64,${png.toString('base64')}`;
  strict = await startModelServer({ backend: model, modelName: 'm', maxQueue: 0 });
  roomy = await startModelServer({ backend: model, modelName: 'm', maxQueue: 0, maxImagePixels: 8000 * 8000 });
});
afterAll(async () => {
  await strict?.close();
  await roomy?.close();
});

function post(server: ModelServer, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(`${server.url}/chat/completions`);
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      // The error's message, unescaped, when the reply is an OpenAI-style error.
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (JSON.parse(text) as { error?: { message: string } }).error?.message ?? text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
const withImage = (url: string) => ({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }, { type: 'text', text: 'x' }] }] });
const peakMb = () => process.resourceUsage().maxRSS / 1024;

describe('serve-model memory bounds', () => {
  it('refuses an 8000x8000 PNG from its header, without decoding it', async () => {
    const before = peakMb();
    const reply = await post(strict, withImage(hugePng));
    expect(reply.status).toBe(413);
    expect(reply.body).toMatch(/\(8000x8000\) hold 64000000 pixels, more than the 33177600/);
    // Decoding would take 192 MB for the RGB pixels alone.
    expect(peakMb() - before).toBeLessThan(100);
  });

  it('decodes nothing for requests answered 429 while the model is busy', async () => {
    model.delayMs = 1500;
    try {
      const busy = post(roomy, { messages: [{ role: 'user', content: 'hold the model' }] });
      await new Promise((r) => setTimeout(r, 200));
      const before = peakMb();
      const refused = await Promise.all(Array.from({ length: 6 }, () => post(roomy, withImage(hugePng))));
      expect(refused.map((r) => r.status)).toEqual([429, 429, 429, 429, 429, 429]);
      expect(peakMb() - before).toBeLessThan(100);
      expect((await busy).status).toBe(200);
    } finally {
      model.delayMs = 0;
    }
  });
});

describe('serve-model refuses web pages', () => {
  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, text/plain included', async () => {
    const body = { messages: [{ role: 'user', content: 'x' }] };
    const port = new URL(strict.url).port;
    expect((await post(strict, body, { host: `evil.example:${port}` })).status).toBe(403);
    const page = await post(strict, JSON.stringify(body), { origin: 'http://evil.example', 'content-type': 'text/plain' });
    expect(page.status).toBe(403);
    expect(page.body).toMatch(/origin "http:\/\/evil\.example" is not allowed/);
    expect((await post(strict, body)).status).toBe(200);
    expect((await post(strict, body, { host: `localhost:${port}` })).status).toBe(200);
  });
});

describe('serve-model answers bad values with 400', () => {
  const user = [{ role: 'user', content: 'x' }];
  it.each([
    [{ messages: user, max_tokens: -5 }, /"max_tokens" must be a whole number >= 1 \(got -5\)/],
    [{ messages: user, max_tokens: 2.5 }, /"max_tokens" must be a whole number >= 1/],
    [{ messages: user, temperature: -1 }, /"temperature" must be a number >= 0/],
    [{ messages: user, top_p: 0 }, /"top_p" must be a number in \(0, 1\]/],
    [{ messages: user, top_p: 1.5 }, /"top_p" must be a number in \(0, 1\]/],
    [{ messages: [null] }, /messages\[0\] must be an object/],
    [{ messages: [{ role: 'user', content: [] }] }, /messages\[0\]\.content must be a string or a non-empty array/],
    [{ messages: [{ role: 'user', content: [null] }] }, /messages\[0\]\.content\[0\] must be an object/],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] }, /not a decodable image/],
  ])('%j', async (body, message) => {
    const reply = await post(strict, body);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatch(message);
  });
});
