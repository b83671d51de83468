/**
 * Thinking and answer, split in one place for every family and backend. Thinking models write
 * ◁think▷ ... ◁/think▷ as plain text before the answer; the markers themselves are never part of
 * either. Output that does not open with ◁think▷ (leading whitespace allowed) is all answer.
 * ThinkingSplitter does it on a stream (a marker may arrive cut anywhere; text that could still be
 * the start of a marker is held back); splitThinking does it on a whole text with the same rules.
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

/** A whole reply split the way ThinkingSplitter splits it streamed. */
export function splitThinking(text: string): { thinking: string; answer: string } {
  const splitter = new ThinkingSplitter();
  splitter.push(text);
  splitter.finish();
  return { thinking: splitter.thinking, answer: splitter.answer };
}

/** The reply as the model would have written it: thinking (if any) in its markers, then the answer. */
export function joinThinking(thinking: string, answer: string): string {
  return thinking ? `${THINK_OPEN}${thinking}${THINK_CLOSE}${answer}` : answer;
}

const THINK_BLOCK = new RegExp(`${THINK_OPEN}[\\s\\S]*?${THINK_CLOSE}`, 'g');

/** Text with every complete thinking block removed (earlier turns' thinking is not kept in history). */
export function withoutThinking(text: string): string {
  return text.replace(THINK_BLOCK, '');
}
