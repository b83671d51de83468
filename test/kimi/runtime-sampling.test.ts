import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { argmax, createRng, sampleToken, topIndices, validateSamplerSettings } from '../../models/kimi/runtime/sampling.ts';

/** Reference: softmax(l/T) restricted by a full sort (the straightforward way), in float64. */
function referenceDistribution(logits: number[], t: number, topK: number, topP: number): number[] {
  const order = logits.map((_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = order.slice(0, topK > 0 ? topK : logits.length);
  const max = logits[order[0]];
  const w = kept.map((i) => Math.exp((logits[i] - max) / t));
  const sum = w.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  let n = 0;
  while (n < kept.length) {
    cumulative += w[n] / sum;
    n++;
    if (cumulative >= topP - 1e-12) break;
  }
  const p = new Array<number>(logits.length).fill(0);
  const keptSum = w.slice(0, n).reduce((a, b) => a + b, 0);
  for (let j = 0; j < n; j++) p[kept[j]] = w[j] / keptSum;
  return p;
}

/** Draws `n` samples and checks every frequency within 5 binomial standard deviations (+1 count). */
function expectMatches(logits: number[], t: number, topK: number, topP: number, seed: number, n = 20000) {
  const rng = createRng(seed);
  const counts = new Array<number>(logits.length).fill(0);
  const f32 = Float32Array.from(logits);
  for (let i = 0; i < n; i++) counts[sampleToken(f32, { temperature: t, topK, topP }, rng)]++;
  const expected = referenceDistribution(Array.from(f32), t, topK, topP);
  for (let i = 0; i < logits.length; i++) {
    const mean = expected[i] * n;
    const sd = Math.sqrt(n * expected[i] * (1 - expected[i]));
    if (expected[i] === 0) expect(counts[i], `token ${i} is outside top-k/top-p but was drawn`).toBe(0);
    else expect(Math.abs(counts[i] - mean), `token ${i}: ${counts[i]} vs ${mean.toFixed(1)}`).toBeLessThanOrEqual(5 * sd + 1);
  }
}

describe('sampling', () => {
  it('greedy picks the largest logit, lowest id on ties, and never touches the RNG', () => {
    let calls = 0;
    const rng = () => {
      calls++;
      return 0.5;
    };
    expect(sampleToken(Float32Array.from([0.1, 3, -2, 3]), {}, rng)).toBe(1);
    expect(sampleToken(Float32Array.from([-5, -1, -9]), { temperature: 0, topK: 1 }, rng)).toBe(1);
    expect(calls).toBe(0);
  });

  it('argmax rejects NaN logits with a message naming the index', () => {
    expect(() => argmax(Float32Array.from([Number.NaN, Number.NaN]))).toThrow(/NaN at index 0/);
  });

  it('the same seed reproduces the same tokens; another seed differs', () => {
    const logits = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () => sampleToken(logits, { temperature: 1, topP: 0.95 }, rng));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('plain temperature sampling follows softmax(logits / T)', () => {
    expectMatches([1, 2, 0.5, -1, 2.5], 0.7, 0, 1, 1);
    expectMatches([1, 2, 0.5, -1, 2.5], 2, 0, 1, 2);
  });

  it('top-k keeps only the k best tokens, renormalised', () => {
    expectMatches([1, 2, 0.5, -1, 2.5, 0], 1, 3, 1, 3);
  });

  it('top-p keeps the smallest prefix reaching p (0.5+0.3 reaches 0.8: two tokens)', () => {
    const logits = [0.5, 0.3, 0.15, 0.05].map(Math.log);
    const rng = createRng(4);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(Float32Array.from(logits), { temperature: 1, topP: 0.8 }, rng));
    expect([...seen].sort()).toEqual([0, 1]);
    expectMatches(logits, 1, 0, 0.8, 5);
    expectMatches(logits, 1, 0, 0.81, 6);
  });

  it('top-p over a large vocabulary grows its candidate list past the first 64', () => {
    // 300 equal tokens: p = 0.5 needs 150 of them, more than the first sorted block.
    const logits = new Array<number>(300).fill(0);
    const rng = createRng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 6000; i++) seen.add(sampleToken(Float32Array.from(logits), { temperature: 1, topP: 0.5 }, rng));
    expect(seen.size).toBe(150);
    expect(Math.max(...seen)).toBe(149);
  });

  it('top-k then top-p on random logits match the full-sort reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.double({ min: 0.2, max: 3, noNaN: true }),
        (logits, k, p, t) => {
          // Every drawn token must have non-zero reference probability.
          const expected = referenceDistribution(Array.from(Float32Array.from(logits)), t, k, p);
          const rng = createRng(k * 31 + logits.length);
          for (let i = 0; i < 200; i++) {
            const id = sampleToken(Float32Array.from(logits), { temperature: t, topK: k, topP: p }, rng);
            if (expected[id] === 0) return false;
          }
          return true;
        },
      ),
      { numRuns: 100 },
    );
  });

  it('topIndices equals a full sort prefix', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 45 }), (xs, m) => {
        const ids = Array.from(topIndices(xs, m));
        const full = xs.map((_, i) => i).sort((a, b) => xs[b] - xs[a] || a - b).slice(0, m);
        return JSON.stringify(ids) === JSON.stringify(full);
      }),
    );
  });

  it('refuses bad settings naming the field', () => {
    expect(() => validateSamplerSettings({ temperature: -1 })).toThrow(/sampling.temperature.*-1/);
    expect(() => validateSamplerSettings({ topP: 0 })).toThrow(/sampling.topP/);
    expect(() => validateSamplerSettings({ topK: 1.5 })).toThrow(/sampling.topK/);
    expect(() => createRng(Number.NaN)).toThrow(/seed/);
  });
});

describe('sampling on a flat distribution', () => {
  it('top-p over 163840 nearly equal logits (the sorted path) stays inside the nucleus', () => {
    const vocab = 163840;
    const logits = Float32Array.from({ length: vocab }, (_, i) => ((i * 2654435761) % 1000) / 1e4);
    const rng = createRng(1);
    const ids = Array.from({ length: 50 }, () => sampleToken(logits, { temperature: 1, topP: 0.9 }, rng));
    // Reference nucleus by a full sort: the smallest logit whose prefix mass reaches 0.9.
    const sorted = Array.from(logits).sort((a, b) => b - a);
    const weights = sorted.map((l) => Math.exp(l - sorted[0]));
    const total = weights.reduce((a, b) => a + b, 0);
    let cumulative = 0;
    let cutoff = sorted[0];
    for (let j = 0; j < vocab && cumulative < 0.9 * total; j++) {
      cumulative += weights[j];
      cutoff = sorted[j];
    }
    // Without top-p about 1 draw in 10 would fall below the cutoff: 50 draws all above it is the check.
    for (const id of ids) expect(logits[id]).toBeGreaterThanOrEqual(cutoff);
  });
});
