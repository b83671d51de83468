import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { expandPlaceholders, placeImageFeatures } from '../../models/kimi/runtime/placeholders.ts';
import { StopStringFilter } from '../../models/kimi/runtime/stop-strings.ts';

const PAD = 163605;

describe('image placeholders', () => {
  it('each placeholder becomes its own image token count, in order', () => {
    const ids = expandPlaceholders([1, PAD, 2, PAD, 3], PAD, [3, 1]);
    expect(Array.from(ids)).toEqual([1, PAD, PAD, PAD, 2, PAD, 3]);
  });

  it('refuses a placeholder/image count mismatch with both numbers', () => {
    expect(() => expandPlaceholders([1, PAD, 2], PAD, [])).toThrow(/1 image placeholder.*0 image/);
    expect(() => expandPlaceholders([1, 2], PAD, [4])).toThrow(/0 image placeholder.*1 image/);
  });

  it('features land on placeholder rows in order; text rows are untouched', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4 }), (isImage, hidden) => {
        const ids = isImage.map((b, i) => (b ? PAD : i));
        const rows = isImage.filter(Boolean).length;
        const embeddings = Float32Array.from({ length: ids.length * hidden }, (_, i) => -1 - i);
        const before = embeddings.slice();
        const features = Float32Array.from({ length: rows * hidden }, (_, i) => i);
        placeImageFeatures(embeddings, ids, PAD, features, hidden);
        let row = 0;
        for (let t = 0; t < ids.length; t++) {
          const got = Array.from(embeddings.subarray(t * hidden, (t + 1) * hidden));
          const want = ids[t] === PAD ? Array.from(features.subarray(row * hidden, ++row * hidden)) : Array.from(before.subarray(t * hidden, (t + 1) * hidden));
          if (JSON.stringify(got) !== JSON.stringify(want)) return false;
        }
        return true;
      }),
    );
  });

  it('refuses features that do not fill the placeholders exactly', () => {
    const e = new Float32Array(6);
    expect(() => placeImageFeatures(e, [PAD, 1, PAD], PAD, new Float32Array(2), 2)).toThrow(/more image placeholders/);
    expect(() => placeImageFeatures(e, [PAD, 1, 2], PAD, new Float32Array(4), 2)).toThrow(/2 image feature rows but only 1/);
  });
});

describe('stop strings', () => {
  it('cuts the answer before the first stop string, wherever the chunks split it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 10 }), fc.array(fc.nat(40), { maxLength: 6 }), (head, tail, cuts) => {
        fc.pre(!head.includes('STOP') && !head.includes('##'));
        const text = `${head}STOP${tail}`;
        const f = new StopStringFilter(['STOP', '##']);
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        let out = '';
        let from = 0;
        for (const p of [...points, text.length]) {
          for (const d of f.push(text.slice(from, p))) out += d.delta;
          from = p;
        }
        for (const d of f.finish()) out += d.delta;
        expect(f.stopped).toBe(true);
        expect(out).toBe(head);
        expect(f.text).toBe(head);
      }),
      { numRuns: 300 },
    );
  });

  it('releases held-back text at the end when no stop string completes', () => {
    const f = new StopStringFilter(['</answer>']);
    expect(f.push('done </ans')).toEqual([{ type: 'answer', delta: 'done ' }]);
    expect(f.finish()).toEqual([{ type: 'answer', delta: '</ans' }]);
    expect(f.stopped).toBe(false);
  });
});
