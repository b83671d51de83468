/** Markdown code fences in model replies. */

export interface Fence {
  /** The language tag after the opening fence, lower case ('' when none). */
  lang: string;
  code: string;
  /** Offsets of the whole block (fences included) in the text. */
  start: number;
  end: number;
}

const LANG_TAG = /^[A-Za-z0-9_+.-]*$/;

/**
 * Every ``` block in order. A block left open at the end (a reply cut off by the token limit)
 * counts as running to the end of the text; the Python reader refuses it if it is incomplete.
 */
export function findFences(text: string): Fence[] {
  const fences: Fence[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('```', from);
    if (open < 0) return fences;
    let bodyStart = open + 3;
    while (text[bodyStart] === '`') bodyStart++;
    const close = text.indexOf('```', bodyStart);
    const bodyEnd = close < 0 ? text.length : close;
    let body = text.slice(bodyStart, bodyEnd);
    let lang = '';
    const newline = body.indexOf('\n');
    const firstLine = newline < 0 ? body : body.slice(0, newline);
    if (newline >= 0 && LANG_TAG.test(firstLine.trim())) {
      lang = firstLine.trim().toLowerCase();
      body = body.slice(newline + 1);
    }
    let end = close < 0 ? text.length : close + 3;
    while (close >= 0 && text[end] === '`') end++;
    fences.push({ lang, code: body, start: open, end });
    if (close < 0) return fences;
    from = end;
  }
}

/** The text with every fenced block removed, for the prose around code. */
export function withoutFences(text: string, fences: Fence[]): string {
  let out = '';
  let at = 0;
  for (const f of fences) {
    out += text.slice(at, f.start);
    at = f.end;
  }
  return out + text.slice(at);
}
