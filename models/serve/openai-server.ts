/**
 * An OpenAI-compatible HTTP server over one VlmBackend: GET /v1/models and POST /v1/chat/completions
 * (stream and non-stream, image_url parts as data URLs, temperature / top_p / max_tokens / stop / seed,
 * usage, with prompt_tokens_details.cached_tokens when the backend reuses its KV cache). The backend
 * runs one generation at a time; further requests wait in a queue of bounded length, and past it get
 * 429 with Retry-After, which OpenAI clients retry with backoff. Memory is bounded before any image is
 * decoded: sizes are read from the image headers and checked against a pixel budget, and images are
 * decoded only once the request holds the model (so a queued or refused request holds its compressed
 * bytes only). On loopback it refuses foreign Host names (DNS rebinding) and any browser Origin but its
 * own (a web page's POST).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';
import { THINK_CLOSE, THINK_OPEN } from '../thinking.ts';
import type { ChatMessage, ContentPart, GenerationResult, SamplingOptions, VlmBackend } from '../types.ts';
import { allowedHost, allowedOrigin, isLoopbackAddress } from './loopback-guard.ts';

export interface ModelServerOptions {
  backend: VlmBackend;
  /** The name clients pass as `model`. */
  modelName: string;
  host?: string;
  port?: number;
  /** Requests allowed to wait while one runs. */
  maxQueue?: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Most image pixels one request may carry, all images together (default: one 8K screen, 7680x4320). */
  maxImagePixels?: number;
  log?: (line: string) => void;
}

export interface ModelServer {
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly type = 'invalid_request_error') {
    super(message);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/** An image part as received: its compressed bytes and the size its header states, not decoded yet. */
interface PendingImage {
  bytes: Buffer;
  width: number;
  height: number;
}
type PendingPart = { type: 'text'; text: string } | { type: 'image'; pending: PendingImage };
type PendingMessage = { role: ChatMessage['role']; content: string | PendingPart[] };

/** Reads an image's size from its header only; nothing is decoded here. */
async function readImageHeader(url: string, where: string): Promise<PendingImage> {
  const m = /^data:image\/[\w.+-]+;base64,(.*)$/s.exec(url);
  if (!m) throw new HttpError(400, `${where}: image_url must be a base64 data URL (data:image/png;base64,...); this server does not fetch remote images`);
  const bytes = Buffer.from(m[1], 'base64');
  let meta;
  try {
    meta = await sharp(bytes).metadata();
  } catch {
    throw new HttpError(400, `${where}: image_url data is not a decodable image`);
  }
  if (!meta.width || !meta.height) throw new HttpError(400, `${where}: the image states no size`);
  return { bytes, width: meta.width, height: meta.height * (meta.pages ?? 1) };
}

async function decodeImage(image: PendingImage, maxPixels: number): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(image.bytes, { limitInputPixels: maxPixels }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch {
    throw new HttpError(400, 'image_url data is not a decodable image');
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the messages' shape and reads image headers; refuses a request whose images exceed the pixel budget. */
async function readMessages(raw: unknown, maxPixels: number): Promise<PendingMessage[]> {
  if (!Array.isArray(raw) || raw.length === 0) throw new HttpError(400, '"messages" must be a non-empty array');
  const messages = await Promise.all(
    raw.map(async (msg: unknown, i): Promise<PendingMessage> => {
      if (!isObject(msg)) throw new HttpError(400, `messages[${i}] must be an object with "role" and "content"`);
      if (msg.role !== 'system' && msg.role !== 'user' && msg.role !== 'assistant') {
        throw new HttpError(400, `messages[${i}].role must be system, user or assistant`);
      }
      if (typeof msg.content === 'string') return { role: msg.role, content: msg.content };
      if (!Array.isArray(msg.content) || msg.content.length === 0) throw new HttpError(400, `messages[${i}].content must be a string or a non-empty array of parts`);
      const parts = await Promise.all(
        msg.content.map(async (part: unknown, j): Promise<PendingPart> => {
          const where = `messages[${i}].content[${j}]`;
          if (!isObject(part)) throw new HttpError(400, `${where} must be an object with a "type"`);
          if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
          if (part.type === 'image_url') {
            const url = typeof part.image_url === 'string' ? part.image_url : isObject(part.image_url) ? part.image_url.url : undefined;
            if (typeof url !== 'string') throw new HttpError(400, `${where}.image_url.url is missing`);
            return { type: 'image', pending: await readImageHeader(url, where) };
          }
          throw new HttpError(400, `${where}: unsupported part type ${JSON.stringify(part.type)} (or a text part without a string "text")`);
        }),
      );
      return { role: msg.role, content: parts };
    }),
  );
  const images = messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.flatMap((p) => (p.type === 'image' ? [p.pending] : []))));
  const pixels = images.reduce((sum, image) => sum + image.width * image.height, 0);
  if (pixels > maxPixels) {
    const sizes = images.map((image) => `${image.width}x${image.height}`).join(', ');
    throw new HttpError(413, `the images of this request (${sizes}) hold ${pixels} pixels, more than the ${maxPixels} this server decodes for one request; send smaller screenshots`);
  }
  return messages;
}

/** Decodes the images of an admitted request, one at a time. */
async function decodeMessages(messages: PendingMessage[], maxPixels: number): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: m.content });
      continue;
    }
    const parts: ContentPart[] = [];
    for (const p of m.content) parts.push(p.type === 'text' ? p : { type: 'image', image: await decodeImage(p.pending, maxPixels) });
    out.push({ role: m.role, content: parts });
  }
  return out;
}

function toSampling(body: Record<string, unknown>): SamplingOptions {
  const num = (key: string, valid: (n: number) => boolean, expected: string): number | undefined => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !valid(v)) throw new HttpError(400, `"${key}" must be ${expected} (got ${JSON.stringify(v)})`);
    return v;
  };
  const stop = body.stop;
  if (stop !== undefined && stop !== null && typeof stop !== 'string' && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))) {
    throw new HttpError(400, '"stop" must be a string or an array of strings');
  }
  const tokens = (key: string) => num(key, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1');
  return {
    temperature: num('temperature', (n) => n >= 0, 'a number >= 0 (0 for greedy)'),
    topP: num('top_p', (n) => n > 0 && n <= 1, 'a number in (0, 1]'),
    maxNewTokens: tokens('max_tokens') ?? tokens('max_completion_tokens'),
    seed: num('seed', Number.isInteger, 'a whole number'),
    stop: typeof stop === 'string' ? [stop] : (stop as string[] | undefined) ?? undefined,
  };
}

/** Usage as the OpenAI API and vLLM report it: prompt tokens served from the KV cache under prompt_tokens_details. */
function openAiUsage(usage: NonNullable<GenerationResult['usage']>) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    ...(usage.cachedTokens !== undefined ? { prompt_tokens_details: { cached_tokens: usage.cachedTokens } } : {}),
  };
}

/** A one-at-a-time gate with a bounded waiting line. */
class Gate {
  private running = false;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly maxQueue: number) {}

  async enter(): Promise<void> {
    if (!this.running) {
      this.running = true;
      return;
    }
    if (this.waiting.length >= this.maxQueue) throw new HttpError(429, `the model is busy and ${this.waiting.length} requests are already waiting; retry later`, 'rate_limit_error');
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running = false;
  }
}

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const gate = new Gate(options.maxQueue ?? 8);
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const maxPixels = options.maxImagePixels ?? 7680 * 4320;
  const created = () => Math.floor(Date.now() / 1000);

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, maxBody);
    if (!isObject(body)) throw new HttpError(400, 'request body must be a JSON object');
    if (body.model !== undefined && body.model !== options.modelName) {
      throw new HttpError(404, `model "${String(body.model)}" is not served here; this server serves "${options.modelName}"`, 'not_found_error');
    }
    const sampling = toSampling(body);
    const pending = await readMessages(body.messages, maxPixels);
    const stream = body.stream === true;
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const id = `chatcmpl-${randomUUID()}`;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    await gate.enter();
    try {
      const request = { messages: await decodeMessages(pending, maxPixels), sampling };
      let result: GenerationResult | undefined;
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: created(), model: options.modelName, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        res.write(chunk({ role: 'assistant', content: '' }));
      }
      // Thinking streams back inside content with its markers, as the model wrote it.
      let inThinking = false;
      let streamed = false;
      for await (const event of options.backend.generate(request, abort.signal)) {
        if (event.type === 'done') {
          result = event.result;
          break;
        }
        if (!stream) continue;
        let text = event.delta;
        if (event.type === 'thinking' && !inThinking) {
          text = THINK_OPEN + text;
          inThinking = true;
        } else if (event.type === 'answer' && inThinking) {
          text = THINK_CLOSE + text;
          inThinking = false;
        }
        res.write(chunk({ content: text }));
        streamed = true;
      }
      if (!result) throw new HttpError(500, 'generation ended without a result', 'server_error');
      const finish = result.finishReason === 'length' ? 'length' : 'stop';
      const usage = result.usage ? openAiUsage(result.usage) : undefined;
      if (stream) {
        if (inThinking) res.write(chunk({ content: THINK_CLOSE }));
        // A backend that only reports its final result still streams its text, in one piece.
        if (!streamed && result.raw) res.write(chunk({ content: result.raw }));
        res.write(chunk({}, finish));
        if (includeUsage && usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: created(), model: options.modelName, choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
      } else {
        sendJson(res, 200, {
          id,
          object: 'chat.completion',
          created: created(),
          model: options.modelName,
          choices: [{ index: 0, message: { role: 'assistant', content: result.raw }, finish_reason: finish }],
          usage,
        });
      }
      options.log?.(`chat.completions ${stream ? 'stream' : 'json'} ${result.usage?.promptTokens ?? '?'}+${result.usage?.completionTokens ?? '?'} tokens in ${Math.round(result.timings.totalMs)} ms`);
    } finally {
      gate.leave();
    }
  }

  let port = 0;
  let loopback = true;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    const handle = async () => {
      if (loopback && !allowedHost(req.headers.host, port)) throw new HttpError(403, `host "${req.headers.host ?? ''}" is not this server`, 'permission_error');
      if (!allowedOrigin(req.headers.origin, port)) throw new HttpError(403, `origin "${req.headers.origin}" is not allowed: web pages may not use this server`, 'permission_error');
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        return sendJson(res, 200, { object: 'list', data: [{ id: options.modelName, object: 'model', created: created(), owned_by: 'deskpilot' }] });
      }
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) return completions(req, res);
      throw new HttpError(404, `no route for ${req.method} ${path}`, 'not_found_error');
    };
    handle().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const type = error instanceof HttpError ? error.type : 'server_error';
      const headers: Record<string, string> = status === 429 ? { 'retry-after': '1' } : {};
      if (res.headersSent) {
        res.end(`data: ${JSON.stringify({ error: { message: (error as Error).message, type } })}\n\n`);
      } else {
        sendJson(res, status, { error: { message: (error as Error).message, type, code: status } }, headers);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address } = server.address() as AddressInfo;
  port = (server.address() as AddressInfo).port;
  loopback = isLoopbackAddress(address);
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
