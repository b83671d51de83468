import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { THINK_CLOSE, THINK_OPEN, ThinkingBudget, ThinkingSplitter, type SplitDelta } from '../../models/kimi/runtime/thinking.ts';

/** Cuts `text` at the given (sorted, deduplicated) offsets. */
function cut(text: string, offsets: number[]): string[] {
  const points = [...new Set(offsets.map((o) => o % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(text.slice(from, p));
    from = p;
  }
  pieces.push(text.slice(from));
  return pieces;
}

function run(pieces: string[]): SplitDelta[] {
  const s = new ThinkingSplitter();
  const out = pieces.flatMap((p) => s.push(p));
  return [...out, ...s.finish()];
}

const join = (deltas: SplitDelta[], type: string) => deltas.filter((d) => d.type === type).map((d) => d.delta).join('');

// Text made of marker fragments and ordinary characters, so near-miss markers appear often.
const fragment = fc.constantFrom('◁', '▷', 'think', '/', '◁/', '◁think', 'a', ' ', '\n', '思', '😀');
const body = fc.array(fragment, { maxLength: 20 }).map((xs) => xs.join('')).filter((t) => !t.includes(THINK_CLOSE) && !t.includes(THINK_OPEN));

describe('thinking splitter', () => {
  it('thinking then answer, cut anywhere, comes out exactly (markers removed, order kept)', () => {
    fc.assert(
      fc.property(body, body, fc.array(fc.nat(), { maxLength: 12 }), fc.constantFrom('', ' ', '\n'), (thought, answer, offsets, lead) => {
        const deltas = run(cut(`${lead}${THINK_OPEN}${thought}${THINK_CLOSE}${answer}`, offsets));
        expect(join(deltas, 'thinking')).toBe(thought);
        expect(join(deltas, 'answer')).toBe(answer);
        // No answer delta may come before a thinking delta.
        const firstAnswer = deltas.findIndex((d) => d.type === 'answer');
        if (firstAnswer >= 0) expect(deltas.slice(firstAnswer).every((d) => d.type === 'answer')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('output that does not open with the marker is all answer, even if it contains markers later', () => {
    fc.assert(
      fc.property(body.filter((t) => t.trim().length > 0 && !THINK_OPEN.startsWith(t.trimStart().slice(0, THINK_OPEN.length))), body, fc.array(fc.nat(), { maxLength: 8 }), (head, tail, offsets) => {
        const text = `${head}${THINK_CLOSE}${tail}`;
        const deltas = run(cut(text, offsets));
        expect(join(deltas, 'thinking')).toBe('');
        expect(join(deltas, 'answer')).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('an unfinished thought stays thinking and a held-back partial marker is released at the end', () => {
    const s = new ThinkingSplitter();
    expect(s.push('◁think▷step one ◁/thi')).toEqual([{ type: 'thinking', delta: 'step one ' }]);
    expect(s.state).toBe('thinking');
    expect(s.finish()).toEqual([{ type: 'thinking', delta: '◁/thi' }]);
  });

  it('streams thinking before the close marker arrives (not only at the end)', () => {
    const s = new ThinkingSplitter();
    expect(s.push('◁thi')).toEqual([]);
    expect(s.push('nk▷I see')).toEqual([{ type: 'thinking', delta: 'I see' }]);
    expect(s.push(' a button◁/think▷Click')).toEqual([
      { type: 'thinking', delta: ' a button' },
      { type: 'answer', delta: 'Click' },
    ]);
  });
});

describe('thinking budget', () => {
  it('forces the close after exactly `budget` thinking tokens, once, and ignores answer tokens', () => {
    const b = new ThinkingBudget(3);
    expect(b.shouldForceClose('start')).toBe(false);
    expect(b.shouldForceClose('thinking')).toBe(false);
    expect(b.shouldForceClose('thinking')).toBe(false);
    expect(b.shouldForceClose('thinking')).toBe(true);
    expect(b.shouldForceClose('thinking')).toBe(false);
    expect(new ThinkingBudget(undefined).shouldForceClose('thinking')).toBe(false);
    expect(() => new ThinkingBudget(-1)).toThrow(/thinkingBudget.*-1/);
  });
});
