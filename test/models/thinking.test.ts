import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { joinThinking, splitThinking, THINK_CLOSE, THINK_OPEN, ThinkingSplitter, withoutThinking, type SplitDelta } from '../../models/thinking.ts';

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

describe('whole replies', () => {
  it('splitThinking gives what the stream gives, however the stream was cut', () => {
    fc.assert(
      fc.property(fc.constantFrom('', ' ', THINK_OPEN, `\n${THINK_OPEN}`), body, fc.constantFrom('', THINK_CLOSE), body, fc.array(fc.nat(), { maxLength: 8 }), (lead, a, close, b, offsets) => {
        const text = `${lead}${a}${close}${b}`;
        const deltas = run(cut(text, offsets));
        expect(splitThinking(text)).toEqual({ thinking: join(deltas, 'thinking'), answer: join(deltas, 'answer') });
      }),
      { numRuns: 300 },
    );
  });

  it('joinThinking writes back what splitThinking reads', () => {
    fc.assert(
      fc.property(body, body, (thinking, answer) => {
        const split = splitThinking(joinThinking(thinking, answer));
        // An empty thought writes no markers, so a thought that is all whitespace comes back as answer.
        expect(split.thinking + split.answer).toBe(thinking + answer);
        if (thinking.length > 0) expect(split).toEqual({ thinking, answer });
      }),
      { numRuns: 300 },
    );
  });

  it('withoutThinking drops every complete block and keeps an unclosed one', () => {
    expect(withoutThinking(`${THINK_OPEN}a\nb${THINK_CLOSE}## Action:\nclick ${THINK_OPEN}x${THINK_CLOSE}.`)).toBe('## Action:\nclick .');
    expect(withoutThinking(`${THINK_OPEN}still going`)).toBe(`${THINK_OPEN}still going`);
  });
});
