/**
 * A converted package opened for inference. Input: the package folder (manifest.json, vision.onnx,
 * decoder.onnx, embeddings, tokenizer, chat template, preprocessor config) and the provider choice;
 * output: the tokenizer and template, encodeImages(), embedWithImages(), and the StepModel the loop
 * drives (prefill / step on the decoder's KV cache), with the time spent in the decoder per call.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from '../../image.ts';
import { KimiChatTemplate } from '../chat-template.ts';
import { KimiDecoder } from '../decoder.ts';
import { loadImageConfig, KIMI_VL_IMAGE_DEFAULTS, type KimiImageConfig } from '../image-processor.ts';
import { readManifest, type KimiManifest } from '../manifest.ts';
import { KimiTokenizer } from '../tokenizer.ts';
import { VisionEncoder, type VisionFeatures } from '../vision.ts';
import type { EngineInfo } from './types.ts';
import type { PreparedPrompt, StepModel } from './generate.ts';
import { placeImageFeatures } from './placeholders.ts';
import { chooseExecutionProvider, type ExecutionProviderRequest, type ProviderChoice } from './providers.ts';

export interface PackageModelOptions {
  provider?: ExecutionProviderRequest;
  threads?: number;
  prefillChunk?: number;
}

function need(dir: string, name: string | undefined, what: string): string {
  if (!name) throw new RangeError(`${join(dir, 'manifest.json')}: the package lists no ${what}; convert the checkpoint again`);
  const path = join(dir, name);
  if (!existsSync(path)) throw new RangeError(`${dir} is not a complete model package: ${name} (${what}) is missing`);
  return path;
}

export class PackageModel implements StepModel {
  private runMs = 0;

  private constructor(
    readonly dir: string,
    readonly manifest: KimiManifest,
    readonly tokenizer: KimiTokenizer,
    readonly template: KimiChatTemplate,
    readonly imageConfig: KimiImageConfig,
    readonly vision: VisionEncoder | undefined,
    readonly decoder: KimiDecoder,
    readonly choice: ProviderChoice,
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
    const decoder = await KimiDecoder.open(dir, { executionProviders: [choice.provider], prefillChunk: options.prefillChunk, ...threads });
    const vision = manifest.vision
      ? await VisionEncoder.create(need(dir, manifest.vision.file, 'vision graph'), {
          vision: manifest.config.vision,
          textHidden: manifest.config.text.hiddenSize,
          image: imageConfig,
          session: { executionProviders: [choice.provider], ...threads },
        })
      : undefined;
    return new PackageModel(dir, manifest, tokenizer, template, imageConfig, vision, decoder, choice);
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

  /** Starts a new sequence: clears the cache and runs the prompt; logits of the last row. */
  async prefill(prompt: PreparedPrompt): Promise<Float32Array> {
    return this.prefillRows(prompt, 'last');
  }

  /** As prefill, with logits for every prompt row: [T, vocab]. */
  async prefillAll(prompt: PreparedPrompt): Promise<Float32Array> {
    return this.prefillRows(prompt, 'all');
  }

  private async prefillRows(prompt: PreparedPrompt, rows: 'last' | 'all'): Promise<Float32Array> {
    this.decoder.reset();
    const t0 = performance.now();
    const logits = await this.decoder.prefill(prompt.embeddings ? { embeds: prompt.embeddings, logits: rows } : { ids: prompt.ids, logits: rows });
    this.runMs += performance.now() - t0;
    return logits;
  }

  async step(tokenId: number, position?: number): Promise<Float32Array> {
    const t0 = performance.now();
    const logits = await this.decoder.step(tokenId, position);
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
