/**
 * Next-token sampling. Input: one row of logits (vocab floats) and the sampling settings; output: a
 * token id. temperature 0 (or unset) is greedy argmax (ties go to the lowest id). Otherwise the order
 * is temperature -> top-k -> top-p (nucleus), then one draw from a seeded RNG, so a seed reproduces a
 * run exactly. Full-vocabulary sorts are avoided: only the few best candidates are ever sorted.
 */

export interface SamplerSettings {
  /** 0 or undefined: greedy. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 or undefined: no limit. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 or undefined: no limit. */
  topP?: number;
}

/** A deterministic uniform [0,1) generator (splitmix32 state, xorshift-multiply output). */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`sampling seed must be a finite number (got ${seed})`);
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/** Refuses settings that would silently mean something else; the message names the field and value. */
export function validateSamplerSettings(s: SamplerSettings): void {
  const t = s.temperature;
  if (t !== undefined && !(Number.isFinite(t) && t >= 0)) {
    throw new RangeError(`sampling.temperature must be a number >= 0 (got ${t}); use 0 for greedy`);
  }
  const k = s.topK;
  if (k !== undefined && !(Number.isInteger(k) && k >= 0)) {
    throw new RangeError(`sampling.topK must be an integer >= 0 (got ${k}); use 0 for no limit`);
  }
  const p = s.topP;
  if (p !== undefined && !(Number.isFinite(p) && p > 0 && p <= 1)) {
    throw new RangeError(`sampling.topP must be in (0, 1] (got ${p}); use 1 for no limit`);
  }
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  if (bestValue === -Infinity || Number.isNaN(bestValue)) {
    for (let i = 0; i < logits.length; i++) {
      if (Number.isNaN(logits[i])) throw new RangeError(`logits contain NaN at index ${i}; the model output is broken`);
    }
    if (logits.length === 0) throw new RangeError('logits are empty');
  }
  return best;
}

/** The ids of the `m` largest logits, largest first (ties: lower id first). O(V log m). */
export function topIndices(logits: ArrayLike<number>, m: number): Int32Array {
  const n = Math.min(m, logits.length);
  // Min-heap of size n keyed by logit (ties: the higher id is "smaller", so lower ids survive).
  const heap = new Int32Array(n);
  let size = 0;
  const less = (a: number, b: number) => logits[a] < logits[b] || (logits[a] === logits[b] && a > b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < size && less(heap[l], heap[s])) s = l;
      if (r < size && less(heap[r], heap[s])) s = r;
      if (s === i) return;
      const tmp = heap[i];
      heap[i] = heap[s];
      heap[s] = tmp;
      i = s;
    }
  };
  for (let id = 0; id < logits.length; id++) {
    if (size < n) {
      let i = size++;
      heap[i] = id;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i], heap[parent])) break;
        const tmp = heap[i];
        heap[i] = heap[parent];
        heap[parent] = tmp;
        i = parent;
      }
    } else if (n > 0 && less(heap[0], id)) {
      heap[0] = id;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => logits[b] - logits[a] || a - b);
}

/** Picks the next token. `rng` is only consulted when sampling (temperature > 0). */
export function sampleToken(logits: ArrayLike<number>, settings: SamplerSettings, rng: Rng): number {
  const temperature = settings.temperature ?? 0;
  if (temperature === 0) return argmax(logits);
  const vocab = logits.length;
  const topK = settings.topK && settings.topK > 0 ? Math.min(settings.topK, vocab) : vocab;
  const topP = settings.topP ?? 1;
  const maxLogit = logits[argmax(logits)];

  if (topK === vocab && topP >= 1) {
    // Plain temperature sampling: one pass over the vocabulary, nothing sorted.
    let total = 0;
    for (let i = 0; i < vocab; i++) total += Math.exp((logits[i] - maxLogit) / temperature);
    let u = rng() * total;
    for (let i = 0; i < vocab; i++) {
      u -= Math.exp((logits[i] - maxLogit) / temperature);
      if (u < 0) return i;
    }
    return argmax(logits);
  }
  // Nucleus mass is a fraction of the whole (or top-k limited) distribution.
  let total = 0;
  if (topK === vocab) {
    for (let i = 0; i < vocab; i++) total += Math.exp((logits[i] - maxLogit) / temperature);
  }
  // With top-k the k best are sorted at once; without it the sorted prefix grows until it reaches top-p.
  let m = topK < vocab ? topK : Math.min(vocab, 64);
  for (;;) {
    const ids = topIndices(logits, m);
    const weights = new Float64Array(ids.length);
    let mass = 0;
    for (let j = 0; j < ids.length; j++) {
      weights[j] = Math.exp((logits[ids[j]] - maxLogit) / temperature);
      mass += weights[j];
    }
    const denominator = topK < vocab ? mass : total;
    let keep = topP >= 1 ? ids.length : -1;
    let cumulative = 0;
    for (let j = 0; j < ids.length && keep === -1; j++) {
      cumulative += weights[j];
      // The relative slack absorbs float summation order; without it p = 1 could miss the last token.
      if (cumulative >= topP * denominator * (1 - 1e-12)) {
        keep = j + 1;
      }
    }
    if (keep === -1 && m < vocab && topK === vocab) {
      // A flat distribution (e.g. high temperature) needs a big nucleus: sort all weights natively.
      if (m * 4 > 1024) return sampleNucleusBySort(logits, maxLogit, temperature, topP, total, rng);
      m = Math.min(vocab, m * 4);
      continue;
    }
    if (keep === -1) keep = ids.length;
    let keptMass = 0;
    for (let j = 0; j < keep; j++) keptMass += weights[j];
    let u = rng() * keptMass;
    for (let j = 0; j < keep; j++) {
      u -= weights[j];
      if (u < 0) return ids[j];
    }
    return ids[keep - 1];
  }
}

/**
 * Nucleus sampling for flat distributions: a native sort of the weights finds the smallest weight w*
 * inside the nucleus; tokens above w* are in, and as many tokens equal to w* as needed (lowest ids).
 */
function sampleNucleusBySort(logits: ArrayLike<number>, maxLogit: number, temperature: number, topP: number, total: number, rng: Rng): number {
  const vocab = logits.length;
  const weights = new Float64Array(vocab);
  for (let i = 0; i < vocab; i++) weights[i] = Math.exp((logits[i] - maxLogit) / temperature);
  const sorted = weights.slice().sort().reverse();
  let cumulative = 0;
  let keep = vocab;
  for (let j = 0; j < vocab; j++) {
    cumulative += sorted[j];
    if (cumulative >= topP * total * (1 - 1e-12)) {
      keep = j + 1;
      break;
    }
  }
  const threshold = sorted[keep - 1];
  let equalSlots = 0;
  for (let j = 0; j < keep; j++) if (sorted[j] === threshold) equalSlots++;
  const ids: number[] = [];
  let keptMass = 0;
  for (let i = 0; i < vocab; i++) {
    if (weights[i] > threshold || (weights[i] === threshold && equalSlots-- > 0)) {
      ids.push(i);
      keptMass += weights[i];
    }
  }
  let u = rng() * keptMass;
  for (const id of ids) {
    u -= weights[id];
    if (u < 0) return id;
  }
  return ids[ids.length - 1];
}
