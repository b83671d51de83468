/**
 * A converted package opened for inference. Input: the package folder (manifest.json, vision.onnx,
 * decoder.onnx, embeddings, tokenizer, chat template, preprocessor config) and the provider choice;
 * output: the tokenizer and template, encodeImages(), embedWithImages(), and the StepModel the loop
 * drives (prefill / step on the decoder's KV cache), with the time spent in the decoder per call.
 * Prefill keeps the cache rows a new prompt shares with the sequence before and runs the rest in the
 * prompt's prefill runs (kv-prefix.ts); the logits equal those of a prefill from scratch bit for bit.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from '../../image.ts';
import { KimiChatTemplate } from '../chat-template.ts';
import { KimiDecoder, type PrefillInput } from '../decoder.ts';
import { loadImageConfig, KIMI_VL_IMAGE_DEFAULTS, type KimiImageConfig } from '../image-processor.ts';
import { readManifest, type KimiManifest } from '../manifest.ts';
import { KimiTokenizer } from '../tokenizer.ts';
import { VisionEncoder, type VisionFeatures } from '../vision.ts';
import type { EngineInfo, EngineOptions } from './types.ts';
import type { PrefillResult, PreparedPrompt, StepModel } from './generate.ts';
import { KvSequence, prefillRuns, rowImages, type RunRules } from './kv-prefix.ts';
import { placeImageFeatures } from './placeholders.ts';
import { chooseExecutionProvider, type ProviderChoice } from './providers.ts';

export type PackageModelOptions = Pick<EngineOptions, 'provider' | 'threads' | 'prefillChunk' | 'reusePrefix'>;

function need(dir: string, name: string | undefined, what: string): string {
  if (!name) throw new RangeError(`${join(dir, 'manifest.json')}: the package lists no ${what}; convert the checkpoint again`);
  const path = join(dir, name);
  if (!existsSync(path)) throw new RangeError(`${dir} is not a complete model package: ${name} (${what}) is missing`);
  return path;
}

export class PackageModel implements StepModel {
  private runMs = 0;
  /** What the decoder's cache holds, row by row. */
  private readonly sequence = new KvSequence();
  private unnamed = 0;

  private constructor(
    readonly dir: string,
    readonly manifest: KimiManifest,
    readonly tokenizer: KimiTokenizer,
    readonly template: KimiChatTemplate,
    readonly imageConfig: KimiImageConfig,
    readonly vision: VisionEncoder | undefined,
    readonly decoder: KimiDecoder,
    readonly choice: ProviderChoice,
    private readonly runRules: RunRules,
    private readonly reusePrefix: boolean,
  ) {}

  static async open(dir: string, options: PackageModelOptions = {}): Promise<PackageModel> {
    if (!existsSync(join(dir, 'manifest.json'))) {
      throw new RangeError(`${dir} is not a model package (no manifest.json); make one with: deskpilot model convert <hf-dir> ${dir}`);
    }
    let manifest: KimiManifest;
    try {
      manifest = readManifest(dir);
    } catch (error) {
      throw new RangeError((error as Error).message);
    }
    const t = manifest.tokenizer;
    const tokenizer = KimiTokenizer.fromFiles(need(dir, t.tiktoken, 'tiktoken.model'), need(dir, t.config, 'tokenizer_config.json'));
    const template = KimiChatTemplate.fromFile(need(dir, t.chatTemplate, 'chat_template.jinja'));
    const imageConfig = t.preprocessor ? loadImageConfig(need(dir, t.preprocessor, 'preprocessor_config.json')) : KIMI_VL_IMAGE_DEFAULTS;
    const choice = await chooseExecutionProvider(options.provider ?? 'auto');
    const threads = options.threads ? { intraOpNumThreads: options.threads } : {};
    const chunk = options.prefillChunk !== undefined ? { prefillChunk: options.prefillChunk } : {};
    const decoder = await KimiDecoder.open(dir, { executionProviders: [choice.provider], ...threads, ...chunk });
    const vision = manifest.vision
      ? await VisionEncoder.create(need(dir, manifest.vision.file, 'vision graph'), {
          vision: manifest.config.vision,
          textHidden: manifest.config.text.hiddenSize,
          image: imageConfig,
          session: { executionProviders: [choice.provider], ...threads },
        })
      : undefined;
    const turnStarts = new Set(['<|im_system|>', '<|im_user|>', '<|im_assistant|>'].map((name) => tokenizer.specialTokens.get(name)).filter((id) => id !== undefined));
    // Runs no longer than the decoder's chunks: each run is one session run (0: no limit).
    const maxRun = decoder.prefillChunk > 0 ? decoder.prefillChunk : Number.MAX_SAFE_INTEGER;
    return new PackageModel(dir, manifest, tokenizer, template, imageConfig, vision, decoder, choice, { maxRun, turnStarts }, options.reusePrefix ?? true);
  }

  get info(): EngineInfo {
    const text = this.manifest.config.text;
    return {
      packageDir: this.dir,
      contextLength: text.maxPositionEmbeddings,
      hiddenSize: text.hiddenSize,
      vocabSize: text.vocabSize,
      provider: this.choice.provider,
      providerNote: this.choice.note,
      expertKernel: this.decoder.expertKernel,
      imageConfig: this.imageConfig,
      hasVision: this.vision !== undefined,
    };
  }

  private requireVision(): VisionEncoder {
    if (!this.vision) throw new RangeError(`${this.dir} is a text-only package (converted without the vision tower); it cannot take images`);
    return this.vision;
  }

  async encodeImages(images: RgbImage[]): Promise<VisionFeatures> {
    return this.requireVision().encode(images);
  }

  async encodePixels(pixelValues: Float32Array, grids: [number, number][]): Promise<VisionFeatures> {
    return this.requireVision().encodePixels(pixelValues, grids);
  }

  /** Token embeddings [T, hidden] with image features over the placeholder rows. */
  embedWithImages(ids: Int32Array, features: Float32Array): Float32Array {
    const embeddings = this.decoder.embed(ids);
    placeImageFeatures(embeddings, ids, this.tokenizer.mediaPadId, features, this.decoder.hidden);
    return embeddings;
  }

  /**
   * Runs a prompt after the cache rows it shares with the sequence before (all of them are
   * dropped with reuse off); logits of the last row.
   */
  async prefill(prompt: PreparedPrompt, options: { reuse?: boolean } = {}): Promise<PrefillResult> {
    const runs = prefillRuns(prompt, this.runRules);
    const images = this.rowKeys(prompt);
    const keep = (options.reuse ?? this.reusePrefix) ? this.sequence.reusable(prompt.ids, images, runs) : 0;
    const logits = await this.runFrom(prompt, images, runs, keep, 'last');
    return { logits: logits[logits.length - 1], cachedTokens: keep };
  }

  /** A prefill from scratch with logits for every prompt row: [T, vocab]. */
  async prefillAll(prompt: PreparedPrompt): Promise<Float32Array> {
    const parts = await this.runFrom(prompt, this.rowKeys(prompt), prefillRuns(prompt, this.runRules), 0, 'all');
    const out = new Float32Array(prompt.ids.length * this.decoder.vocab);
    parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
    return out;
  }

  /**
   * Each row's image key. Embeddings whose images are not named (no `images` spans) get a key of
   * their own: media-pad ids alone cannot tell two pictures apart, so their rows match nothing later.
   */
  private rowKeys(prompt: PreparedPrompt): (string | undefined)[] {
    if (prompt.embeddings && !prompt.images) return new Array<string>(prompt.ids.length).fill(`unnamed embeddings ${++this.unnamed}`);
    return rowImages(prompt.ids.length, prompt.images);
  }

  /** Keeps the first `keep` cache rows and runs the prompt's runs after them; the logits of each run. */
  private async runFrom(prompt: PreparedPrompt, images: (string | undefined)[], runs: number[], keep: number, rows: 'last' | 'all'): Promise<Float32Array[]> {
    const T = prompt.ids.length;
    if (T === 0) throw new RangeError('the prompt has no tokens');
    this.decoder.truncate(keep);
    this.sequence.truncate(keep);
    const hidden = this.decoder.hidden;
    const out: Float32Array[] = [];
    const t0 = performance.now();
    try {
      let start = keep;
      for (const end of runs) {
        if (end <= keep) continue;
        // Runs before the last one only fill the cache: their logits are not computed.
        const logits: PrefillInput['logits'] = rows === 'all' ? 'all' : end === T ? 'last' : [];
        const input = prompt.embeddings ? { embeds: prompt.embeddings.subarray(start * hidden, end * hidden), logits } : { ids: prompt.ids.subarray(start, end), logits };
        out.push(await this.decoder.prefill(input));
        this.sequence.append(prompt.ids.subarray(start, end), images.slice(start, end));
        start = end;
      }
    } finally {
      this.runMs += performance.now() - t0;
    }
    return out;
  }

  async step(tokenId: number, position?: number): Promise<Float32Array> {
    const t0 = performance.now();
    const logits = await this.decoder.step(tokenId, position);
    this.sequence.append([tokenId]);
    this.runMs += performance.now() - t0;
    return logits;
  }

  /** Time inside decoder calls since the last take (session.run plus appending the new cache rows). */
  takeRunMs(): number {
    const ms = this.runMs;
    this.runMs = 0;
    return ms;
  }

  async dispose(): Promise<void> {
    await this.vision?.release();
    await this.decoder.release();
    this.tokenizer.dispose();
  }
}
