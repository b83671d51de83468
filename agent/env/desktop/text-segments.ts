/**
 * How a `type` action is delivered. Printable ASCII is typed as key presses (works everywhere,
 * terminals included, and never touches the user's clipboard); newlines and tabs are key presses;
 * a piece between them that holds anything else (accents, CJK, emoji) is pasted whole, since a US
 * key map cannot produce it and one paste is much faster than several.
 */
export type TextSegment =
  | { kind: 'keys'; text: string }
  | { kind: 'press'; key: 'enter' | 'tab' }
  | { kind: 'paste'; text: string };

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function segmentText(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  for (const piece of text.split(/(\r\n|\r|\n|\t)/)) {
    if (piece === '') continue;
    if (piece === '\t') segments.push({ kind: 'press', key: 'tab' });
    else if (piece === '\n' || piece === '\r' || piece === '\r\n') segments.push({ kind: 'press', key: 'enter' });
    else segments.push({ kind: PRINTABLE_ASCII.test(piece) ? 'keys' : 'paste', text: piece });
  }
  return segments;
}
