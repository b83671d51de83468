/**
 * VlmBackend over any OpenAI-compatible chat completions server. Images go as PNG data URLs at the size
 * the agent already resized them to; replies stream, thinking (◁think▷ blocks or a server's separate
 * reasoning field) is split from the answer; 429 and 5xx are retried with backoff by the client.
 * The API key comes from the options or the environment and is never put in a message.
 */
import OpenAI from 'openai';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';
import { joinThinking, ThinkingSplitter } from '../thinking.ts';
import type { BackendInfo, ChatRequest, CoordinateUnit, GenerationEvent, GenerationResult, ModelFamily, VlmBackend } from '../types.ts';
import { imageSizeForFamily } from './image-size.ts';
import { defaultCoordinates } from '../family.ts';
import { guessFamily, parseOpenAiSpec } from './spec.ts';

export interface OpenAiBackendOptions {
  apiKey?: string;
  family?: ModelFamily;
  coordinates?: CoordinateUnit;
  /** in_token_limit of a served Kimi-VL checkpoint (16384 for Thinking-2506). */
  kimiTokenLimit?: number;
  timeoutMs?: number;
  maxRetries?: number;
  fetch?: typeof fetch;
}

type OpenAiContent = OpenAI.Chat.Completions.ChatCompletionContentPart;
type OpenAiMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export async function pngDataUrl(image: RgbImage): Promise<string> {
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png({ compressionLevel: 3 })
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

async function toOpenAiMessages(request: ChatRequest): Promise<OpenAiMessage[]> {
  return Promise.all(
    request.messages.map(async (message): Promise<OpenAiMessage> => {
      if (typeof message.content === 'string') return { role: message.role, content: message.content } as OpenAiMessage;
      if (message.role === 'assistant') {
        return { role: 'assistant', content: message.content.map((p) => (p.type === 'text' ? p.text : '')).join('') };
      }
      const parts: OpenAiContent[] = await Promise.all(
        message.content.map(async (part): Promise<OpenAiContent> =>
          part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image_url', image_url: { url: await pngDataUrl(part.image) } },
        ),
      );
      return message.role === 'system'
        ? { role: 'system', content: parts.filter((p): p is OpenAI.Chat.Completions.ChatCompletionContentPartText => p.type === 'text') }
        : { role: 'user', content: parts };
    }),
  );
}

/** Turns a client error into one line a user can act on (status, server message; never headers). */
export function describeError(error: unknown, baseURL: string): string {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return `${baseURL}: the request timed out`;
  if (error instanceof OpenAI.APIConnectionError) return `${baseURL}: cannot connect (${error.cause instanceof Error ? error.cause.message : 'connection failed'})`;
  if (error instanceof OpenAI.APIError) {
    const hint = error.status === 401 ? ' (set OPENAI_API_KEY or DESKPILOT_API_KEY)' : error.status === 404 ? ' (check the base URL and the model name after #)' : '';
    return `${baseURL}: ${error.status ?? ''} ${error.message}${hint}`.replace(/\s+/g, ' ').trim();
  }
  return `${baseURL}: ${(error as Error).message}`;
}

export function openOpenAiBackend(spec: string, options: OpenAiBackendOptions = {}): VlmBackend {
  const { baseURL, model } = parseOpenAiSpec(spec);
  const family = options.family ?? guessFamily(model);
  const coordinates = options.coordinates ?? defaultCoordinates(family);
  const client = new OpenAI({
    baseURL,
    // Local servers usually want no key; the client insists on a string.
    apiKey: options.apiKey ?? process.env.DESKPILOT_API_KEY ?? process.env.OPENAI_API_KEY ?? 'no-key',
    timeout: options.timeoutMs ?? 120_000,
    maxRetries: options.maxRetries ?? 4,
    fetch: options.fetch,
  });
  const imageSizeFor = imageSizeForFamily(family, coordinates, options.kimiTokenLimit);
  const info: BackendInfo = { spec, family, coordinates, imageSizeFor };

  async function* generate(request: ChatRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    const started = performance.now();
    const s = request.sampling ?? {};
    const splitter = new ThinkingSplitter();
    let serverThinking = '';
    let raw = '';
    let finishReason: 'stop' | 'length' | 'cancelled' | 'error' = 'stop';
    let usage: GenerationResult['usage'];
    let firstTokenMs: number | undefined;
    try {
      const stream = await client.chat.completions.create(
        {
          model,
          messages: await toOpenAiMessages(request),
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: s.maxNewTokens,
          temperature: s.temperature,
          top_p: s.topP,
          stop: s.stop,
          seed: s.seed,
        },
        { signal },
      );
      for await (const chunk of stream) {
        if (chunk.usage) {
          const cached = chunk.usage.prompt_tokens_details?.cached_tokens;
          usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, ...(cached !== undefined ? { cachedTokens: cached } : {}) };
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        const delta = choice.delta as { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning) {
          firstTokenMs ??= performance.now() - started;
          serverThinking += reasoning;
          yield { type: 'thinking', delta: reasoning };
        }
        if (delta.content) {
          firstTokenMs ??= performance.now() - started;
          raw += delta.content;
          for (const d of splitter.push(delta.content)) yield d;
        }
        if (choice.finish_reason === 'length') finishReason = 'length';
      }
    } catch (error) {
      if (signal?.aborted) {
        finishReason = 'cancelled';
      } else {
        throw new Error(describeError(error, baseURL));
      }
    }
    for (const d of splitter.finish()) yield d;
    const thinking = serverThinking + splitter.thinking;
    yield {
      type: 'done',
      result: {
        raw: joinThinking(serverThinking, raw),
        thinking,
        answer: splitter.answer,
        finishReason,
        usage,
        timings: { totalMs: performance.now() - started, prefillMs: firstTokenMs },
      },
    };
  }

  return { info: () => info, generate, dispose: async () => {} };
}
