/**
 * Image placeholders in a token sequence. Input: prompt ids with ONE media placeholder id per image
 * (as the chat template renders them) and each image's token count; output: ids with each placeholder
 * repeated to its image's count, and the embedding rows replaced by image features at those positions.
 */
import type { ImageSpan } from './kv-prefix.ts';

/** Repeats the i-th placeholder `tokensPerImage[i]` times; refuses a count mismatch. */
export function expandPlaceholders(ids: ArrayLike<number>, placeholderId: number, tokensPerImage: readonly number[]): Int32Array {
  let found = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i] === placeholderId) found++;
  if (found !== tokensPerImage.length) {
    throw new RangeError(
      `the prompt has ${found} image placeholder(s) (token id ${placeholderId}) but ${tokensPerImage.length} image(s) were given; ` +
        'put exactly one placeholder per image, in the order of the images',
    );
  }
  const extra = tokensPerImage.reduce((a, n) => a + n - 1, 0);
  const out = new Int32Array(ids.length + extra);
  let o = 0;
  let image = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === placeholderId) {
      const n = tokensPerImage[image++];
      if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`image ${image - 1} has ${n} tokens; expected a positive integer`);
      out.fill(placeholderId, o, o + n);
      o += n;
    } else {
      out[o++] = ids[i];
    }
  }
  return out;
}

/**
 * Writes image feature rows over the embedding rows at placeholder positions, in order.
 * `embeddings` is [T, hidden] row-major, `features` is [imageTokens, hidden].
 */
export function placeImageFeatures(
  embeddings: Float32Array,
  ids: ArrayLike<number>,
  placeholderId: number,
  features: Float32Array,
  hidden: number,
): void {
  if (embeddings.length !== ids.length * hidden) {
    throw new RangeError(`embeddings hold ${embeddings.length} values; ${ids.length} tokens x hidden ${hidden} expected`);
  }
  let row = 0;
  const rows = features.length / hidden;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== placeholderId) continue;
    if (row >= rows) throw new RangeError(`more image placeholders in the prompt than image feature rows (${rows})`);
    embeddings.set(features.subarray(row * hidden, (row + 1) * hidden), i * hidden);
    row++;
  }
  if (row !== rows) throw new RangeError(`${rows} image feature rows but only ${row} placeholder positions in the prompt`);
}

/** Where each image sits in expanded ids: image i owns the next `tokensPerImage[i]` placeholder rows, tagged `keys[i]`. */
export function imageSpans(expanded: ArrayLike<number>, placeholderId: number, tokensPerImage: readonly number[], keys: readonly string[]): ImageSpan[] {
  const spans: ImageSpan[] = [];
  for (let i = 0; i < expanded.length; ) {
    if (expanded[i] !== placeholderId) {
      i++;
      continue;
    }
    const image = spans.length;
    if (image >= tokensPerImage.length || image >= keys.length) throw new RangeError(`more image placeholder rows than the ${tokensPerImage.length} image(s) given`);
    spans.push({ start: i, rows: tokensPerImage[image], key: keys[image] });
    i += tokensPerImage[image];
  }
  return spans;
}
