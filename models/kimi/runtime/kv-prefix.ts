/**
 * Exact KV prefix reuse. Input: a prompt's rows (token ids, and which image sits on which rows);
 * output: where its prefill runs end (prefillRuns) and how many leading rows of the decoder's KV
 * cache it can keep from the sequence before (KvSequence.reusable).
 *
 * A row's cache entry depends on what else ran in the same onnxruntime call: the kernels take
 * another path for a one-row matmul (one token, or an expert that got one token), so a suffix run
 * after a prefix from an earlier call differs from one full prefill in the last bits (measured on
 * the tiny package: most logits, by up to 3e-6). Reuse is therefore exact by construction: a prompt
 * is always prefilled in the same runs (one session run each), cut at positions that depend only on
 * the rows up to them (prefillRuns), and cache rows are kept only in whole runs that were computed
 * the same way over the same rows. An image row is the same row only for the same image (content
 * hash): two screenshots of one size expand to the same media-pad ids.
 */

/** Rows [start, start + rows) of a prompt hold the features of the image whose content hash is `key`. */
export interface ImageSpan {
  start: number;
  rows: number;
  key: string;
}

export interface PromptRows {
  ids: Int32Array;
  images?: readonly ImageSpan[];
}

/** Image key per row (undefined for text rows). */
export function rowImages(length: number, images: readonly ImageSpan[] = []): (string | undefined)[] {
  const out = new Array<string | undefined>(length).fill(undefined);
  for (const { start, rows, key } of images) {
    if (start < 0 || rows < 1 || start + rows > length) throw new RangeError(`image rows [${start}, ${start + rows}) are outside the prompt's ${length} rows`);
    out.fill(key, start, start + rows);
  }
  return out;
}

/** Where prefill runs end. */
export interface RunRules {
  /** Most rows in one run; an image longer than this is split into equal runs. */
  maxRun: number;
  /** Ids that open a chat turn: a run ends before one once it holds turnRunRows(maxRun) rows, so a next turn finds the earlier ones whole. */
  turnStarts?: ReadonlySet<number>;
}

/**
 * Fewest rows a text run holds before it may end at a turn: a quarter of maxRun, at most 128. Fewer
 * cuts mean fewer runs (each expands the cached context's K and V again); the cap keeps the system
 * turn (a few hundred rows in the agent's prompt) a run of its own however long runs may be, so a
 * prompt that changes after it (stable history dropping a block of screenshots) still reuses it.
 */
export function turnRunRows(maxRun: number): number {
  return Math.max(1, Math.min(128, Math.floor(maxRun / 4)));
}

/**
 * End positions of the prefill runs of a prompt, ascending; the last is its length. Each image is
 * a run of its own (or several equal ones); text runs end before a turn once they hold
 * turnRunRows(maxRun) rows, and after maxRun rows. A cut depends only on the rows up to it (an image's length comes
 * with its identity), so two prompts that share their first rows share the runs that end in them.
 */
export function prefillRuns(rows: PromptRows, rules: RunRules): number[] {
  const { maxRun, turnStarts } = rules;
  if (!(Number.isInteger(maxRun) && maxRun >= 1)) throw new RangeError(`the prefill run length must be a positive integer (got ${maxRun})`);
  const minTurnRun = turnRunRows(maxRun);
  const images = new Map((rows.images ?? []).map((span) => [span.start, span]));
  const { ids } = rows;
  const ends: number[] = [];
  let start = 0;
  const cut = (at: number) => {
    ends.push(at);
    start = at;
  };
  for (let r = 0; r < ids.length; ) {
    const image = images.get(r);
    if (image) {
      if (r > start) cut(r);
      const parts = Math.ceil(image.rows / maxRun);
      for (let i = 1; i <= parts; i++) cut(image.start + Math.round((i * image.rows) / parts));
      r = start;
      continue;
    }
    if (r - start === maxRun || (r - start >= minTurnRun && turnStarts?.has(ids[r]))) cut(r);
    r++;
  }
  if (start < ids.length) cut(ids.length);
  return ends;
}

/** What the decoder's KV cache holds: each row's identity, and the runs that computed them. */
export class KvSequence {
  private ids: number[] = [];
  private images: (string | undefined)[] = [];
  private runEnds: number[] = [];

  get length(): number {
    return this.ids.length;
  }

  /**
   * Rows of the cache a prompt with these runs can keep: the longest run of leading runs that are
   * the same runs over the same rows. Never the prompt's last run (its logits are needed).
   */
  reusable(ids: ArrayLike<number>, images: readonly (string | undefined)[], runs: readonly number[]): number {
    let keep = 0;
    for (let i = 0; i < runs.length - 1 && i < this.runEnds.length && runs[i] === this.runEnds[i]; i++) {
      for (let r = keep; r < runs[i]; r++) {
        if (ids[r] !== this.ids[r] || images[r] !== this.images[r]) return keep;
      }
      keep = runs[i];
    }
    return keep;
  }

  /** Forgets rows from `n` on; `n` must end a recorded run. */
  truncate(n: number): void {
    if (n === this.length) return;
    const runs = this.runEnds.findIndex((end) => end === n);
    if (n !== 0 && runs < 0) throw new Error(`KvSequence.truncate: ${n} does not end a run`);
    this.runEnds.length = n === 0 ? 0 : runs + 1;
    this.ids.length = n;
    this.images.length = n;
  }

  /** Records one run of rows [length, length + ids.length) (images: the key of each row, or undefined). */
  append(ids: ArrayLike<number>, images?: ArrayLike<string | undefined>): void {
    for (let i = 0; i < ids.length; i++) {
      this.ids.push(ids[i]);
      this.images.push(images?.[i]);
    }
    this.runEnds.push(this.ids.length);
  }
}
