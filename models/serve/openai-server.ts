/**
 * An OpenAI-compatible HTTP server over one VlmBackend: GET /v1/models and POST /v1/chat/completions
 * (stream and non-stream, image_url parts as data URLs, temperature / top_p / max_tokens / stop / seed,
 * usage, with prompt_tokens_details.cached_tokens when the backend reuses its KV cache). The backend runs one generation at a time; further requests wait in a queue of bounded
 * length, and past it get 429 with Retry-After, which OpenAI clients retry with backoff.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';
import { THINK_CLOSE, THINK_OPEN } from '../thinking.ts';
import type { ChatMessage, ContentPart, GenerationResult, SamplingOptions, VlmBackend } from '../types.ts';

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

async function decodeDataUrl(url: string): Promise<RgbImage> {
  const m = /^data:image\/[\w.+-]+;base64,(.*)$/s.exec(url);
  if (!m) throw new HttpError(400, 'image_url must be a base64 data URL (data:image/png;base64,...); this server does not fetch remote images');
  try {
    const { data, info } = await sharp(Buffer.from(m[1], 'base64')).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch {
    throw new HttpError(400, 'image_url data is not a decodable image');
  }
}

async function toMessages(raw: unknown): Promise<ChatMessage[]> {
  if (!Array.isArray(raw) || raw.length === 0) throw new HttpError(400, '"messages" must be a non-empty array');
  return Promise.all(
    raw.map(async (m: unknown, i): Promise<ChatMessage> => {
      const msg = m as { role?: unknown; content?: unknown };
      if (msg.role !== 'system' && msg.role !== 'user' && msg.role !== 'assistant') {
        throw new HttpError(400, `messages[${i}].role must be system, user or assistant`);
      }
      if (typeof msg.content === 'string') return { role: msg.role, content: msg.content };
      if (!Array.isArray(msg.content)) throw new HttpError(400, `messages[${i}].content must be a string or an array of parts`);
      const parts = await Promise.all(
        msg.content.map(async (p: unknown, j): Promise<ContentPart> => {
          const part = p as { type?: unknown; text?: unknown; image_url?: { url?: unknown } | string };
          if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
          if (part.type === 'image_url') {
            const url = typeof part.image_url === 'string' ? part.image_url : part.image_url?.url;
            if (typeof url !== 'string') throw new HttpError(400, `messages[${i}].content[${j}].image_url.url is missing`);
            return { type: 'image', image: await decodeDataUrl(url) };
          }
          throw new HttpError(400, `messages[${i}].content[${j}]: unsupported part type ${JSON.stringify(part.type)}`);
        }),
      );
      return { role: msg.role, content: parts };
    }),
  );
}

function toSampling(body: Record<string, unknown>): SamplingOptions {
  const num = (key: string): number | undefined => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new HttpError(400, `"${key}" must be a number`);
    return v;
  };
  const stop = body.stop;
  if (stop !== undefined && stop !== null && typeof stop !== 'string' && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))) {
    throw new HttpError(400, '"stop" must be a string or an array of strings');
  }
  return {
    temperature: num('temperature'),
    topP: num('top_p'),
    maxNewTokens: num('max_tokens') ?? num('max_completion_tokens'),
    seed: num('seed'),
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
  const created = () => Math.floor(Date.now() / 1000);

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await readBody(req, maxBody)) as Record<string, unknown>;
    if (body === null || typeof body !== 'object') throw new HttpError(400, 'request body must be a JSON object');
    if (body.model !== undefined && body.model !== options.modelName) {
      throw new HttpError(404, `model "${String(body.model)}" is not served here; this server serves "${options.modelName}"`, 'not_found_error');
    }
    const request = { messages: await toMessages(body.messages), sampling: toSampling(body) };
    const stream = body.stream === true;
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const id = `chatcmpl-${randomUUID()}`;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    await gate.enter();
    try {
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

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
    const handle = async () => {
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
  const { port, address } = server.address() as AddressInfo;
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
