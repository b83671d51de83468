/**
 * Stop strings on the answer stream. Input: answer deltas; output: the deltas up to (not including)
 * the first stop string. Text that could be the start of a stop string is held back until it is
 * decided, so a caller never sees part of a stop string.
 */
import type { SplitDelta } from '../../thinking.ts';

export class StopStringFilter {
  private pending = '';
  stopped = false;
  /** The answer emitted so far. */
  text = '';

  constructor(private readonly stops: readonly string[]) {
    for (const s of stops) if (s.length === 0) throw new RangeError('sampling.stop contains an empty string; remove it');
  }

  push(delta: string): SplitDelta[] {
    if (this.stopped) return [];
    if (this.stops.length === 0) return this.out(delta);
    this.pending += delta;
    let cut = -1;
    for (const s of this.stops) {
      const at = this.pending.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stopped = true;
      const before = this.pending.slice(0, cut);
      this.pending = '';
      return this.out(before);
    }
    let hold = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.pending.length); n > hold; n--) {
        if (this.pending.endsWith(s.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    const ready = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return this.out(ready);
  }

  finish(): SplitDelta[] {
    const rest = this.stopped ? '' : this.pending;
    this.pending = '';
    return this.out(rest);
  }

  private out(text: string): SplitDelta[] {
    if (text.length === 0) return [];
    this.text += text;
    return [{ type: 'answer', delta: text }];
  }
}
