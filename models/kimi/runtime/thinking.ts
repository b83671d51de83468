/**
 * Splits a streamed model output into thinking and answer. Input: decoded text chunks in order (a
 * marker may arrive cut anywhere, even inside one character's bytes upstream); output: deltas typed
 * 'thinking' or 'answer'. Kimi thinking models write ◁think▷ ... ◁/think▷ as plain text before the
 * answer; the markers themselves are never emitted. Output that does not open with ◁think▷ (leading
 * whitespace allowed) is all answer. Text that could still be the start of a marker is held back.
 */

export const THINK_OPEN = '◁think▷';
export const THINK_CLOSE = '◁/think▷';

export type SplitState = 'start' | 'thinking' | 'answer';

export interface SplitDelta {
  type: 'thinking' | 'answer';
  delta: string;
}

/** Length of the longest suffix of `text` that is a proper prefix of `marker`. */
function partialMarkerSuffix(text: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(marker.slice(0, n))) return n;
  }
  return 0;
}

export class ThinkingSplitter {
  private pending = '';
  private current: SplitState = 'start';
  thinking = '';
  answer = '';

  get state(): SplitState {
    return this.current;
  }

  push(chunk: string): SplitDelta[] {
    this.pending += chunk;
    const out: SplitDelta[] = [];
    for (;;) {
      if (this.current === 'start') {
        const trimmed = this.pending.trimStart();
        if (trimmed.startsWith(THINK_OPEN)) {
          this.pending = trimmed.slice(THINK_OPEN.length);
          this.current = 'thinking';
          continue;
        }
        if (THINK_OPEN.startsWith(trimmed)) return out; // still could become the opening marker
        this.current = 'answer';
        continue;
      }
      if (this.current === 'thinking') {
        const end = this.pending.indexOf(THINK_CLOSE);
        if (end >= 0) {
          this.emit(out, 'thinking', this.pending.slice(0, end));
          this.pending = this.pending.slice(end + THINK_CLOSE.length);
          this.current = 'answer';
          continue;
        }
        const hold = partialMarkerSuffix(this.pending, THINK_CLOSE);
        this.emit(out, 'thinking', this.pending.slice(0, this.pending.length - hold));
        this.pending = this.pending.slice(this.pending.length - hold);
        return out;
      }
      this.emit(out, 'answer', this.pending);
      this.pending = '';
      return out;
    }
  }

  /** End of stream: whatever was held back is released as what it was. */
  finish(): SplitDelta[] {
    const out: SplitDelta[] = [];
    if (this.current === 'thinking') this.emit(out, 'thinking', this.pending);
    else this.emit(out, 'answer', this.pending);
    this.pending = '';
    return out;
  }

  private emit(out: SplitDelta[], type: 'thinking' | 'answer', delta: string): void {
    if (delta.length === 0) return;
    if (type === 'thinking') this.thinking += delta;
    else this.answer += delta;
    const last = out[out.length - 1];
    if (last && last.type === type) last.delta += delta;
    else out.push({ type, delta });
  }
}

/**
 * Thinking budget: counts tokens generated while thinking; once `budget` is spent it says the close
 * marker must be forced (the loop then feeds the marker's token ids instead of sampling).
 */
export class ThinkingBudget {
  private spent = 0;
  private forced = false;
  constructor(private readonly budget: number | undefined) {
    if (budget !== undefined && !(Number.isInteger(budget) && budget >= 0)) {
      throw new RangeError(`sampling.thinkingBudget must be an integer >= 0 (got ${budget})`);
    }
  }

  /** Call once per generated token with the splitter's state after that token. */
  shouldForceClose(state: SplitState): boolean {
    if (this.budget === undefined || this.forced || state !== 'thinking') return false;
    this.spent++;
    if (this.spent >= this.budget) {
      this.forced = true;
      return true;
    }
    return false;
  }

  get tokensSpent(): number {
    return this.spent;
  }
}
