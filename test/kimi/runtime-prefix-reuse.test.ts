/**
 * Exact KV prefix reuse on the real tiny package: a prompt that shares its first rows with the
 * sequence before keeps those cache rows, and its logits equal a prefill from scratch bit for bit
 * (text-only, same image, another image of the same size, the image split over several runs, a
 * shorter prompt); the generation result reports the cached tokens. Plus the run cutting itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRgbImage, type RgbImage } from '../../models/image.ts';
import { collectGeneration, type ChatMessage, type ChatRequest } from '../../models/types.ts';
import { KimiEngine } from '../../models/kimi/runtime/engine.ts';
import { KvSequence, prefillRuns, type ImageSpan } from '../../models/kimi/runtime/kv-prefix.ts';
import { makeTinyPackage } from '../support/kimi-package.ts';

const RUN = 8;
let engine: KimiEngine;

function picture(width: number, height: number, seed: number): RgbImage {
  const img = createRgbImage(width, height);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 31 + seed * 97 + ((i * seed) >> 3)) & 255;
  return img;
}

const text = (role: ChatMessage['role'], content: string): ChatMessage => ({ role, content });
const shown = (image: RgbImage, words: string): ChatMessage => ({ role: 'user', content: [{ type: 'image', image }, { type: 'text', text: words }] });

/** Bit patterns, so -0 / NaN payloads count as differences too. */
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Prefills `before` (and steps 3 tokens, as a generation would), then `after`; checks its logits against a prefill from scratch. */
async function reuseAfter(before: ChatRequest, after: ChatRequest, on: KimiEngine = engine): Promise<{ cached: number; images: ImageSpan[]; ids: Int32Array; length: number }> {
  const model = on.model;
  const first = await on.prepare(before);
  await model.prefill(first.prompt);
  for (const id of [11, 12, 13]) await model.step(id, model.decoder.length);
  const { prompt } = await on.prepare(after);
  const reused = await model.prefill(prompt);
  const scratch = await model.prefill(prompt, { reuse: false });
  expect(scratch.cachedTokens).toBe(0);
  expect(bits(reused.logits)).toEqual(bits(scratch.logits));
  expect(model.decoder.length).toBe(prompt.ids.length);
  return { cached: reused.cachedTokens, images: prompt.images ?? [], ids: prompt.ids, length: prompt.ids.length };
}

beforeAll(async () => {
  const tiny = await makeTinyPackage();
  engine = await KimiEngine.open(tiny.pkg, { provider: 'cpu', prefillChunk: RUN });
}, 300_000);

afterAll(async () => {
  await engine?.dispose();
});

describe('KV prefix reuse on a tiny package', () => {
  it('text-only: the next turn of a conversation keeps every earlier turn', async () => {
    const turn1 = [text('system', 'You are a GUI agent.'), text('user', 'Open the settings window and find the display panel.')];
    const turn2 = [...turn1, text('assistant', 'Clicking the gear icon.'), text('user', 'Now lower the brightness.')];
    const { cached, ids } = await reuseAfter({ messages: turn1 }, { messages: turn2 });
    // Up to the reply's turn: the first request ended with its opening (the generation prompt), run on its own.
    expect(cached).toBe(ids.indexOf(engine.model.tokenizer.specialId('<|im_assistant|>')));
    expect(cached).toBeGreaterThan(2 * RUN);
  });

  it('the same screenshot keeps every row through the image; another screenshot of the same size keeps only the rows before it', async () => {
    const shot = picture(168, 112, 1); // 12x8 patches, 2x2 merged: 24 image rows, three runs of 8
    const same = await reuseAfter({ messages: [shown(shot, 'Where is Save?')] }, { messages: [shown(shot, 'Where is Open?')] });
    const [image] = same.images;
    expect(image.rows).toBe(24);
    expect(same.cached).toBe(image.start + image.rows);

    // Same size, so the same media-pad ids on the same rows: only the content hash tells them apart.
    const other = await reuseAfter({ messages: [shown(shot, 'Where is Save?')] }, { messages: [shown(picture(168, 112, 2), 'Where is Save?')] });
    expect(other.images[0].start).toBe(image.start);
    expect(other.cached).toBe(image.start);
  });

  it('an image over several runs is kept whole or not at all: one changed bit keeps only the rows before it', async () => {
    const a = picture(56, 56, 3);
    const b = picture(112, 112, 4); // 16 image rows: two runs
    // The first request ends right after image a; the second shows a then b, the third a then a changed b.
    const withB = await reuseAfter({ messages: [shown(a, 'first')] }, { messages: [shown(a, 'first'), shown(b, 'second')] });
    // The whole first turn: image a and its text, up to where the new turn starts.
    const [spanA] = withB.images;
    expect(withB.cached).toBe(withB.ids.indexOf(engine.model.tokenizer.specialId('<|im_user|>'), spanA.start + spanA.rows));
    const changed = picture(112, 112, 4);
    changed.data[changed.data.length - 1] ^= 1; // one bit of the last pixel
    const [, spanB] = withB.images;
    expect(spanB.rows).toBe(16);
    const again = await reuseAfter({ messages: [shown(a, 'first'), shown(b, 'second')] }, { messages: [shown(a, 'first'), shown(changed, 'second')] });
    expect(again.cached).toBe(spanB.start);
  });

  it('a shorter prompt keeps what it shares, and the longer one after it is exact again', async () => {
    const long = [text('system', 'You are a GUI agent.'), text('user', 'Open the settings window and find the display panel, then lower the brightness to half.')];
    const short = [text('system', 'You are a GUI agent.'), text('user', 'Open the settings.')];
    const down = await reuseAfter({ messages: long }, { messages: short });
    expect(down.cached).toBeGreaterThan(0);
    expect(down.cached).toBeLessThan(down.length);
    const up = await reuseAfter({ messages: short }, { messages: long });
    expect(up.cached).toBeGreaterThan(0);
  });

  it('with the default runs (up to 1280 rows, where attention runs expanded): the next turn after a large image is exact too', async () => {
    const tiny = await makeTinyPackage();
    const wide = await KimiEngine.open(tiny.pkg, { provider: 'cpu' });
    try {
      const turn1 = [text('system', 'You are a GUI agent. '.repeat(30)), shown(picture(448, 448, 7), 'Where is the Save button?')];
      const turn2 = [...turn1, text('assistant', 'At the top left.'), text('user', 'And the Open button?')];
      const { cached, images } = await reuseAfter({ messages: turn1 }, { messages: turn2 }, wide);
      expect(images[0].rows).toBe(256);
      expect(images[0].start).toBeGreaterThan(171);
      // Through the image (its run is 256 rows); the short question after it shares a run with the reply's turn.
      expect(cached).toBe(images[0].start + images[0].rows);
    } finally {
      await wide.dispose();
    }
  });

  it('embeddings whose images are not named are never reused (same media-pad ids can hide other pictures)', async () => {
    const { prompt } = await engine.prepare({ messages: [shown(picture(84, 84, 6), 'Where?')] });
    const unnamed = { ids: prompt.ids, embeddings: prompt.embeddings };
    await engine.model.prefill(unnamed);
    expect((await engine.model.prefill(unnamed)).cachedTokens).toBe(0);
    expect((await engine.model.prefill(prompt)).cachedTokens).toBe(0);
    expect((await engine.model.prefill(prompt)).cachedTokens).toBeGreaterThan(0);
  });

  it('the same request twice reruns only its last run; generation reports cached tokens and the same greedy answer', async () => {
    const request: ChatRequest = { messages: [shown(picture(84, 84, 5), 'What is on the screen?')], sampling: { maxNewTokens: 5, temperature: 0 } };
    const first = await collectGeneration(engine.generate(request));
    const second = await collectGeneration(engine.generate(request));
    const prompt = first.usage!.promptTokens;
    expect(second.usage!.promptTokens).toBe(prompt);
    expect(second.usage!.cachedTokens).toBeGreaterThan(prompt - RUN - 1);
    expect(second.usage!.cachedTokens).toBeLessThan(prompt);
    expect(second.raw).toBe(first.raw);
    const tiny = await makeTinyPackage();
    const fresh = await KimiEngine.open(tiny.pkg, { provider: 'cpu', prefillChunk: RUN, reusePrefix: false });
    try {
      await collectGeneration(fresh.generate(request));
      const off = await collectGeneration(fresh.generate(request));
      expect(off.usage!.cachedTokens).toBe(0);
      expect(off.raw).toBe(first.raw);
    } finally {
      await fresh.dispose();
    }
  });
});

describe('prefill runs', () => {
  const ids = (n: number) => new Int32Array(n);

  it('cut around each image (split evenly when long), before a turn once a run holds maxRun / 4 rows, and after maxRun rows', () => {
    const rules = { maxRun: 8, turnStarts: new Set([7]) };
    expect(prefillRuns({ ids: ids(20) }, rules)).toEqual([8, 16, 20]);
    // A 10-row image: two runs of 5, not 8 and a 2-row tail.
    expect(prefillRuns({ ids: ids(20), images: [{ start: 3, rows: 10, key: 'a' }] }, rules)).toEqual([3, 8, 13, 20]);
    expect(prefillRuns({ ids: ids(6), images: [{ start: 0, rows: 6, key: 'a' }] }, rules)).toEqual([6]);
    // Turn starts (id 7) at 1, 3 and 9: the first comes too early (1 row), the others end runs.
    const turns = Int32Array.from({ length: 12 }, (_, i) => ([1, 3, 9].includes(i) ? 7 : 0));
    expect(prefillRuns({ ids: turns }, rules)).toEqual([3, 9, 12]);
    expect(() => prefillRuns({ ids: ids(4) }, { maxRun: 0 })).toThrow(/positive integer/);
  });

  it('with long runs, a turn still ends a run once it holds 128 rows (the system turn stays a run of its own)', () => {
    const prompt = Int32Array.from({ length: 1000 }, (_, i) => ([130, 700].includes(i) ? 7 : 0));
    expect(prefillRuns({ ids: prompt }, { maxRun: 1280, turnStarts: new Set([7]) })).toEqual([130, 700, 1000]);
    expect(prefillRuns({ ids: prompt }, { maxRun: 256, turnStarts: new Set([7]) })).toEqual([130, 386, 642, 898, 1000]); // 642..700 is under 256 / 4 rows: no cut
  });

  it('a cut depends only on the rows up to it: prompts sharing their first rows share the runs ending there', () => {
    const span = fc.record({ start: fc.nat(60), rows: fc.integer({ min: 1, max: 20 }) });
    const turn = 5;
    fc.assert(
      fc.property(
        fc.array(span, { maxLength: 4 }),
        fc.array(span, { maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 180, maxLength: 180 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 180, maxLength: 180 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 12 }),
        (a, b, idsA, idsB, shared, maxRun) => {
          const spansOf = (raw: { start: number; rows: number }[], key: string) => {
            const out: ImageSpan[] = [];
            let free = 0;
            for (const s of [...raw].sort((x, y) => x.start - y.start)) {
              const start = Math.max(s.start, free);
              out.push({ start, rows: s.rows, key });
              free = start + s.rows;
            }
            return out;
          };
          // Both prompts have prompt a's ids and images up to `shared`; after that they differ.
          const common = spansOf(a, 'x').filter((s) => s.start + s.rows < shared);
          const tail = spansOf(b, 'y').map((s) => ({ ...s, start: s.start + shared + 1 }));
          const one = { ids: Int32Array.from(idsA), images: common };
          const two = { ids: Int32Array.from(idsA.slice(0, shared).concat(idsB.slice(shared))), images: [...common, ...tail] };
          const rules = { maxRun, turnStarts: new Set([turn]) };
          const within = (runs: number[]) => runs.filter((end) => end < shared);
          expect(within(prefillRuns(one, rules))).toEqual(within(prefillRuns(two, rules)));
        },
      ),
    );
  });

  it('a cache sequence keeps only whole identical runs, never the last one, and forgets cleanly', () => {
    const seq = new KvSequence();
    seq.append([1, 2, 3, 4]);
    seq.append([5, 6, 7, 8], ['a', 'a', 'a', 'a']);
    seq.append([9]);
    const none = [undefined, undefined, undefined, undefined];
    expect(seq.reusable([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [...none, 'a', 'a', 'a', 'a', undefined, undefined], [4, 8, 10])).toBe(8);
    expect(seq.reusable([1, 2, 3, 4, 5, 6, 7, 8, 9], [...none, 'b', 'b', 'b', 'b', undefined], [4, 8, 9])).toBe(4);
    expect(seq.reusable([1, 2, 3, 4, 5, 6, 7, 8], [...none, 'a', 'a', 'a', 'a'], [4, 8])).toBe(4);
    // Same rows, other runs (a cut at 2): nothing is the same computation.
    expect(seq.reusable([1, 2, 3, 4, 5, 6], [...none, undefined, undefined], [2, 6])).toBe(0);
    seq.truncate(4);
    expect(seq.length).toBe(4);
    expect(() => seq.truncate(2)).toThrow(/does not end a run/);
    expect(seq.reusable([1, 2, 3, 4, 5, 6, 7, 8, 9], [...none, 'a', 'a', 'a', 'a', undefined], [4, 8, 9])).toBe(4);
  });
});
