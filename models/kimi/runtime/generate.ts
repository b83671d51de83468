/**
 * The token generation loop. Input: a prepared prompt (ids and, for images, the embedding rows to
 * use), a model that can prefill and step with its KV cache, the tokenizer and the sampling settings;
 * output: GenerationEvents (thinking/answer deltas, then one 'done' with the result and timings).
 * It stops on the stop ids (<|im_end|>, [EOS]), a stop string, max new tokens or cancellation; a
 * thinking budget forces ◁/think▷ by feeding its ids instead of sampling.
 */
import type { GenerationEvent, GenerationResult, SamplingOptions } from '../../types.ts';
import { createRng, sampleToken, validateSamplerSettings } from './sampling.ts';
import { THINK_CLOSE, THINK_OPEN, ThinkingSplitter } from '../../thinking.ts';
import { ThinkingBudget } from './thinking-budget.ts';
import { StopStringFilter } from './stop-strings.ts';
import type { ImageSpan } from './kv-prefix.ts';

/** Last-row logits of a prompt, and how many of its leading rows came from the KV cache of the sequence before. */
export interface PrefillResult {
  logits: Float32Array;
  cachedTokens: number;
}

/** What the loop needs from a model: one prefill, then one step per token returning last-row logits. */
export interface StepModel {
  prefill(prompt: PreparedPrompt): Promise<PrefillResult>;
  step(tokenId: number, position: number): Promise<Float32Array>;
  /** Milliseconds spent inside onnxruntime since the last call (for timings and the overhead bench). */
  takeRunMs?(): number;
}

export interface PreparedPrompt {
  /** Prompt ids with every image placeholder already expanded. */
  ids: Int32Array;
  /** [ids.length, hidden] embeddings with image features placed, or undefined for text-only (ids suffice). */
  embeddings?: Float32Array;
  /** Which image's features sit on which rows (by content hash), so a cached prefix is kept only for the same images. */
  images?: ImageSpan[];
}

/** What the loop needs from a tokenizer. */
export interface TextCodec {
  encode(text: string, options?: { specials?: 'all' | 'none' }): number[];
  streamDecoder(): { push(id: number): string; flush(): string };
  readonly stopIds: number[];
}

export interface LoopOptions {
  sampling?: SamplingOptions;
  /** Default max new tokens when sampling.maxNewTokens is unset. */
  defaultMaxNewTokens?: number;
  /** Longest sequence the model accepts (prompt + generated). */
  contextLength?: number;
  /** Returns true once the caller cancelled. Checked between tokens. */
  cancelled?: () => boolean;
  /** Already spent on the vision encoder, reported in timings. */
  visionMs?: number;
  /** Each generated id, for callers that want the tokens (e.g. `model forward --greedy`). */
  onToken?: (id: number) => void;
}

export interface LoopStats {
  promptTokens: number;
  /** Prompt tokens whose KV rows were kept from the sequence before (not prefilled again). */
  cachedTokens: number;
  generatedTokens: number;
  prefillMs: number;
  decodeMs: number;
  /** Time inside onnxruntime during decode, when the model reports it. */
  decodeRunMs?: number;
}

export async function* generateTokens(
  model: StepModel,
  codec: TextCodec,
  prompt: PreparedPrompt,
  options: LoopOptions = {},
  stats: Partial<LoopStats> = {},
): AsyncGenerator<GenerationEvent> {
  const sampling = options.sampling ?? {};
  validateSamplerSettings(sampling);
  const maxNew = sampling.maxNewTokens ?? options.defaultMaxNewTokens ?? 512;
  if (!(Number.isInteger(maxNew) && maxNew >= 0)) throw new RangeError(`sampling.maxNewTokens must be an integer >= 0 (got ${maxNew})`);
  const contextLength = options.contextLength ?? Infinity;
  if (prompt.ids.length >= contextLength) {
    throw new RangeError(`the prompt is ${prompt.ids.length} tokens; this model's context is ${contextLength}. Use fewer or smaller images, or a shorter history`);
  }
  const rng = createRng(sampling.seed ?? Date.now());
  const budget = new ThinkingBudget(sampling.thinking === false ? undefined : sampling.thinkingBudget);
  const splitter = new ThinkingSplitter();
  const stopper = new StopStringFilter(sampling.stop ?? []);
  const decoder = codec.streamDecoder();
  const stopIds = new Set(codec.stopIds);
  // Forced ids are fed instead of sampling: ◁think▷ to open thinking, ◁/think▷ when the budget ends.
  const forced: number[] = sampling.thinking ? codec.encode(THINK_OPEN, { specials: 'none' }) : [];
  const cancelled = options.cancelled ?? (() => false);
  const started = performance.now();
  let raw = '';
  let finishReason: GenerationResult['finishReason'] = 'length';
  let generated = 0;

  const emit = (text: string): GenerationEvent[] => {
    raw += text;
    return splitter.push(text).flatMap((d) => (d.type === 'answer' ? stopper.push(d.delta) : [d]));
  };

  const t0 = performance.now();
  model.takeRunMs?.();
  const prefilled = await model.prefill(prompt);
  let logits = prefilled.logits;
  const cachedTokens = prefilled.cachedTokens;
  const prefillMs = performance.now() - t0;
  model.takeRunMs?.();
  const decodeStart = performance.now();
  let decodeRunMs = 0;
  let position = prompt.ids.length;

  while (generated < maxNew) {
    if (cancelled()) {
      finishReason = 'cancelled';
      break;
    }
    const wasForced = forced.length > 0;
    const id = wasForced ? forced.shift()! : sampleToken(logits, sampling, rng);
    generated++;
    options.onToken?.(id);
    if (stopIds.has(id)) {
      finishReason = 'stop';
      break;
    }
    for (const event of emit(decoder.push(id))) yield event;
    if (stopper.stopped) {
      finishReason = 'stop';
      break;
    }
    // Only the model's own thinking tokens count against the budget (not the forced ◁think▷).
    if (!wasForced && budget.shouldForceClose(splitter.state)) forced.push(...codec.encode(THINK_CLOSE, { specials: 'none' }));
    if (generated >= maxNew || position + 1 >= contextLength) {
      if (generated < maxNew) finishReason = 'length';
      break;
    }
    logits = await model.step(id, position);
    position++;
    decodeRunMs += model.takeRunMs?.() ?? 0;
  }
  const decodeMs = performance.now() - decodeStart;
  const tail = [...emit(decoder.flush()), ...splitter.finish().flatMap((d) => (d.type === 'answer' ? stopper.push(d.delta) : [d])), ...stopper.finish()];
  for (const event of tail) yield event;

  Object.assign(stats, { promptTokens: prompt.ids.length, cachedTokens, generatedTokens: generated, prefillMs, decodeMs, decodeRunMs } satisfies LoopStats);
  // Decode speed counts the steps actually run (the first token comes from prefill).
  const steps = Math.max(0, position - prompt.ids.length);
  const result: GenerationResult = {
    raw,
    thinking: splitter.thinking,
    answer: stopper.text,
    finishReason,
    usage: { promptTokens: prompt.ids.length, completionTokens: generated, cachedTokens },
    timings: {
      totalMs: performance.now() - started + (options.visionMs ?? 0),
      visionMs: options.visionMs,
      prefillMs,
      // Only the rows actually run count: cached ones cost nothing.
      prefillTokensPerSecond: prefillMs > 0 ? ((prompt.ids.length - cachedTokens) / prefillMs) * 1000 : undefined,
      decodeTokensPerSecond: steps > 0 && decodeMs > 0 ? (steps / decodeMs) * 1000 : undefined,
    },
  };
  yield { type: 'done', result };
}
