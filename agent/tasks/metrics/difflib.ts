/**
 * Python difflib.SequenceMatcher(a=..., b=...).ratio() with the default autojunk heuristic and no
 * isjunk function: the exact number diff_text_file scores with. Elements compare with ===.
 */

function buildB2j<T>(b: T[]): Map<T, number[]> {
  const b2j = new Map<T, number[]>();
  b.forEach((el, j) => {
    const list = b2j.get(el);
    if (list) list.push(j);
    else b2j.set(el, [j]);
  });
  // autojunk: in a b of 200+ elements, anything more frequent than 1% + 1 is "popular" and not indexed.
  const n = b.length;
  if (n >= 200) {
    const ntest = Math.floor(n / 100) + 1;
    for (const [el, idx] of [...b2j]) if (idx.length > ntest) b2j.delete(el);
  }
  return b2j;
}

function longestMatch<T>(a: T[], b: T[], b2j: Map<T, number[]>, alo: number, ahi: number, blo: number, bhi: number): [number, number, number] {
  let besti = alo;
  let bestj = blo;
  let bestsize = 0;
  let j2len = new Map<number, number>();
  for (let i = alo; i < ahi; i++) {
    const next = new Map<number, number>();
    for (const j of b2j.get(a[i]) ?? []) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const k = (j2len.get(j - 1) ?? 0) + 1;
      next.set(j, k);
      if (k > bestsize) {
        besti = i - k + 1;
        bestj = j - k + 1;
        bestsize = k;
      }
    }
    j2len = next;
  }
  // Popular elements were not indexed but still extend a match on both sides (there is no junk).
  while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
    besti--;
    bestj--;
    bestsize++;
  }
  while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) bestsize++;
  return [besti, bestj, bestsize];
}

/** Total size of the matching blocks. */
export function matchingCount<T>(a: T[], b: T[]): number {
  const b2j = buildB2j(b);
  const queue: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  let total = 0;
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    const [i, j, k] = longestMatch(a, b, b2j, alo, ahi, blo, bhi);
    if (k === 0) continue;
    total += k;
    if (alo < i && blo < j) queue.push([alo, i, blo, j]);
    if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
  }
  return total;
}

export function sequenceRatio<T>(a: T[], b: T[]): number {
  const length = a.length + b.length;
  return length === 0 ? 1 : (2 * matchingCount(a, b)) / length;
}
