/**
 * One inspectable forward pass (for `deskpilot model forward`). Input: a package folder, images, and
 * either a prompt text (rendered as one user turn through the chat template) or prompt ids with one
 * media placeholder per image; output: the preprocessed pixels and grids, the image features, logits
 * for EVERY prompt position, and N greedy tokens decoded with the KV cache after the prompt.
 */
import type { RgbImage } from '../../image.ts';
import { preprocessImages } from '../image-processor.ts';
import { PackageModel } from './package-model.ts';
import type { ExecutionProviderRequest } from './providers.ts';
import { expandPlaceholders } from './placeholders.ts';
import { promptIds as renderPromptIds } from './prompt-ids.ts';
import { argmax } from './sampling.ts';

export interface ForwardOptions {
  images?: RgbImage[];
  prompt?: string;
  promptIds?: number[];
  greedyTokens?: number;
  provider?: ExecutionProviderRequest;
  onNote?: (note: string) => void;
}

export interface ForwardResult {
  /** Expanded prompt ids (placeholders repeated to each image's token count). */
  promptIds: Int32Array;
  /** float32 [prompt length, vocab]. */
  logits: Float32Array;
  vision?: { pixelValues: Float32Array; grids: [number, number][]; features: Float32Array };
  greedyTokens: number[];
  hidden: number;
  vocab: number;
  patchSize: number;
}

export async function forwardPass(packageDir: string, options: ForwardOptions): Promise<ForwardResult> {
  const model = await PackageModel.open(packageDir, { provider: options.provider });
  try {
    if (model.choice.note) options.onNote?.(model.choice.note);
    const images = options.images ?? [];
    let ids: number[];
    if (options.promptIds) {
      ids = options.promptIds;
      for (const id of ids) {
        if (id >= model.tokenizer.vocabSize) throw new RangeError(`prompt id ${id} is outside the vocabulary [0, ${model.tokenizer.vocabSize})`);
      }
    } else {
      const messages = [{ role: 'user' as const, content: [...images.map((image) => ({ type: 'image' as const, image })), { type: 'text' as const, text: options.prompt ?? '' }] }];
      ids = renderPromptIds(messages, model.template, model.tokenizer).ids;
    }
    const { hiddenSize: hidden, vocabSize: vocab } = model.manifest.config.text;
    let vision: ForwardResult['vision'];
    let promptIds: Int32Array;
    let embeddings: Float32Array | undefined;
    if (images.length > 0) {
      const processed = preprocessImages(images, model.imageConfig);
      const encoded = await model.encodePixels(processed.pixelValues, processed.grids);
      vision = { pixelValues: processed.pixelValues, grids: processed.grids, features: encoded.features };
      promptIds = expandPlaceholders(ids, model.tokenizer.mediaPadId, encoded.tokensPerImage);
      embeddings = model.embedWithImages(promptIds, encoded.features);
    } else {
      promptIds = expandPlaceholders(ids, model.tokenizer.mediaPadId, []);
    }
    const logits = await model.prefillAll({ ids: promptIds, embeddings });
    const greedyTokens: number[] = [];
    const n = options.greedyTokens ?? 0;
    let last = logits.subarray((promptIds.length - 1) * vocab, promptIds.length * vocab);
    for (let i = 0; i < n; i++) {
      const id = argmax(last);
      greedyTokens.push(id);
      if (i + 1 < n) last = await model.step(id);
    }
    return { promptIds, logits, vision, greedyTokens, hidden, vocab, patchSize: model.imageConfig.patchSize };
  } finally {
    await model.dispose();
  }
}
