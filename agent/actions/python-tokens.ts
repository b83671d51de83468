/**
 * A tokenizer for the small slice of Python that models write as actions. It understands enough of
 * the language (strings with every escape form, numbers, comments, continuations) to read literal
 * arguments exactly; the parser in python-calls.ts decides what is allowed. Nothing is executed.
 */

export type Token =
  | { type: 'name'; value: string; line: number }
  | { type: 'number'; value: number; line: number }
  | { type: 'string'; value: string; line: number }
  | { type: 'op'; value: string; line: number }
  | { type: 'newline'; line: number }
  | { type: 'end'; line: number };

export class PythonSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'PythonSyntaxError';
  }
}

const NAME = /[\p{L}_][\p{L}\p{N}_]*/uy;
const NUMBER = /(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)[jJ]?/y;
const STRING_START = /([rRbBuUfF]{0,2})('''|"""|'|")/y;
const OPS = ['**', '//', '==', '!=', '<=', '>=', '->', ':=', '(', ')', '[', ']', '{', '}', ',', '=', '.', ':', ';',
  '+', '-', '*', '/', '%', '@', '<', '>', '&', '|', '^', '~', '!'];
const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Splits Python source into tokens; newlines inside brackets are not statement ends. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const brackets: string[] = [];
  let i = 0;
  let line = 1;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === '\n') {
      if (brackets.length === 0) tokens.push({ type: 'newline', line });
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '\\') {
      // Explicit line continuation: a backslash right before the end of a line.
      const rest = /\\[ \t]*\r?\n/y;
      rest.lastIndex = i;
      if (!rest.test(source)) throw new PythonSyntaxError(line, 'unexpected backslash');
      i = rest.lastIndex;
      line++;
      continue;
    }
    STRING_START.lastIndex = i;
    const s = STRING_START.exec(source);
    if (s !== null) {
      const read = readString(source, i + s[1].length, s[1].toLowerCase(), s[2], line);
      tokens.push({ type: 'string', value: read.value, line });
      line += read.newlines;
      i = read.end;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(source);
    if (name !== null) {
      tokens.push({ type: 'name', value: name[0], line });
      i = NAME.lastIndex;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && source[i + 1] >= '0' && source[i + 1] <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(source);
      if (m === null) throw new PythonSyntaxError(line, 'malformed number');
      tokens.push({ type: 'number', value: parseNumber(m[0], line), line });
      i = NUMBER.lastIndex;
      continue;
    }
    const op = OPS.find((o) => source.startsWith(o, i));
    if (op === undefined) {
      throw new PythonSyntaxError(line, `unexpected character ${JSON.stringify(String.fromCodePoint(source.codePointAt(i) ?? 0))}`);
    }
    if (OPENERS[op] !== undefined) brackets.push(OPENERS[op]);
    else if (op === ')' || op === ']' || op === '}') {
      if (brackets.pop() !== op) throw new PythonSyntaxError(line, `unmatched '${op}'`);
    }
    tokens.push({ type: 'op', value: op, line });
    i += op.length;
  }
  if (brackets.length > 0) throw new PythonSyntaxError(line, `missing '${brackets[brackets.length - 1]}' before the end`);
  tokens.push({ type: 'newline', line });
  tokens.push({ type: 'end', line });
  return tokens;
}

function parseNumber(text: string, line: number): number {
  if (/[jJ]$/.test(text)) throw new PythonSyntaxError(line, `complex number ${text} is not allowed`);
  if (text.includes('__') || text.endsWith('_')) throw new PythonSyntaxError(line, `malformed number ${text}`);
  const clean = text.replace(/_/g, '');
  let value: number;
  if (/^0[xXoObB]/.test(clean)) value = Number(clean);
  else if (/^0\d+$/.test(clean) && /[1-9]/.test(clean)) throw new PythonSyntaxError(line, `malformed number ${text}`);
  else value = Number(clean);
  if (!Number.isFinite(value)) throw new PythonSyntaxError(line, `number ${text} is out of range`);
  return value;
}

interface StringRead {
  value: string;
  end: number;
  newlines: number;
}

function readString(source: string, start: number, prefix: string, quote: string, line: number): StringRead {
  if (prefix.includes('b')) throw new PythonSyntaxError(line, 'bytes literals are not allowed; use a plain string');
  const raw = prefix.includes('r');
  const triple = quote.length === 3;
  let i = start + quote.length;
  let newlines = 0;
  let out = '';
  for (;;) {
    if (i >= source.length) throw new PythonSyntaxError(line, 'unterminated string');
    if (source.startsWith(quote, i)) {
      i += quote.length;
      break;
    }
    const c = source[i];
    if (c === '\n') {
      if (!triple) throw new PythonSyntaxError(line, 'unterminated string (a newline inside quotes; write \\n)');
      newlines++;
      out += c;
      i++;
      continue;
    }
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) throw new PythonSyntaxError(line, 'unterminated string');
      if (next === '\n') newlines++;
      if (raw) {
        out += c + next;
        i += 2;
        continue;
      }
      const esc = readEscape(source, i, line);
      out += esc.text;
      i = esc.end;
      continue;
    }
    out += c;
    i++;
  }
  if (prefix.includes('f')) out = fStringText(out, line);
  return { value: out, end: i, newlines };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '',
};

function readEscape(source: string, i: number, line: number): { text: string; end: number } {
  const next = source[i + 1];
  if (SIMPLE_ESCAPES[next] !== undefined) return { text: SIMPLE_ESCAPES[next], end: i + 2 };
  const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
  if (hexLength > 0) {
    const hex = source.slice(i + 2, i + 2 + hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) {
      throw new PythonSyntaxError(line, `truncated \\${next} escape`);
    }
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) throw new PythonSyntaxError(line, `\\${next}${hex} is not a valid character`);
    return { text: String.fromCodePoint(code), end: i + 2 + hexLength };
  }
  const octal = /[0-7]{1,3}/y;
  octal.lastIndex = i + 1;
  const o = octal.exec(source);
  if (o !== null) return { text: String.fromCodePoint(parseInt(o[0], 8)), end: octal.lastIndex };
  if (next === 'N') throw new PythonSyntaxError(line, 'named \\N{...} escapes are not supported; use \\u');
  // Python keeps unknown escapes as written.
  return { text: '\\' + next, end: i + 2 };
}

/** An f-string is accepted only when it has no replacement fields (it is then a plain literal). */
function fStringText(text: string, line: number): string {
  const withoutDoubled = text.replace(/\{\{|\}\}/g, '');
  if (/[{}]/.test(withoutDoubled)) {
    throw new PythonSyntaxError(line, 'f-strings with expressions are not allowed; write the text literally');
  }
  return text.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
}
