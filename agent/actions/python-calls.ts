/**
 * Reads a Python snippet as a list of calls with literal arguments, refusing everything else.
 * Accepted statements: `import m` for allowed modules, calls of allowed (dotted) names whose
 * arguments are literals (numbers, strings, True/False/None, lists/tuples of literals), comments,
 * blank lines, `;` separators. The code is parsed, never executed; one refused statement refuses
 * the whole snippet so a half-understood program never runs in part.
 */
import { PythonSyntaxError, tokenize, type Token } from './python-tokens.ts';

export type PyValue = number | string | boolean | null | PyValue[];

export interface PyCall {
  /** The dotted callee as written, e.g. "pyautogui.click". */
  name: string;
  args: PyValue[];
  kwargs: Record<string, PyValue>;
  /** 1-based line in the snippet. */
  line: number;
}

export interface PyCallRules {
  /** Fully dotted callee names that may be called. */
  calls: ReadonlySet<string>;
  /** Modules that may be imported (import lines produce no calls). */
  modules: ReadonlySet<string>;
}

export type PyParseResult = { ok: true; calls: PyCall[] } | { ok: false; line: number; error: string };

/** Longest snippet read; longer replies are refused rather than scanned. */
export const MAX_SNIPPET_CHARS = 100_000;
const MAX_DEPTH = 16;

class Refusal extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export function parsePythonCalls(source: string, rules: PyCallRules): PyParseResult {
  const lines = source.split('\n');
  const refuse = (line: number, reason: string): PyParseResult => {
    const text = (lines[line - 1] ?? '').trim();
    const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
    return { ok: false, line, error: `refused line ${line}: ${reason.replace('$LINE', () => shown)}` };
  };
  if (source.length > MAX_SNIPPET_CHARS) {
    return { ok: false, line: 1, error: `refused: code is ${source.length} characters; at most ${MAX_SNIPPET_CHARS}` };
  }
  let tokens: Token[];
  try {
    tokens = tokenize(source);
  } catch (e) {
    if (e instanceof PythonSyntaxError) return refuse(e.line, `${e.reason} (in: $LINE)`);
    throw e;
  }
  try {
    return { ok: true, calls: new StatementParser(tokens, rules).parseAll() };
  } catch (e) {
    if (e instanceof Refusal) return refuse(e.line, e.reason);
    throw e;
  }
}

/** "pyautogui.(click, write), time.sleep": short enough for the model to read every step. */
function allowedList(rules: PyCallRules): string {
  const groups = new Map<string, string[]>();
  for (const name of rules.calls) {
    const dot = name.lastIndexOf('.');
    const module = dot < 0 ? '' : name.slice(0, dot);
    groups.set(module, [...(groups.get(module) ?? []), name.slice(dot + 1)]);
  }
  return [...groups]
    .map(([module, fns]) => {
      const list = fns.length === 1 ? fns[0] : `(${fns.join(', ')})`;
      return module === '' ? fns.join(', ') : `${module}.${list}`;
    })
    .join(', ');
}

class StatementParser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly rules: PyCallRules,
  ) {}

  parseAll(): PyCall[] {
    const calls: PyCall[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === 'end') return calls;
      if (t.type === 'newline' || (t.type === 'op' && t.value === ';')) {
        this.pos++;
        continue;
      }
      const call = this.statement();
      if (call !== undefined) calls.push(call);
      const after = this.peek();
      if (!(after.type === 'newline' || after.type === 'end' || (after.type === 'op' && after.value === ';'))) {
        throw new Refusal(after.line, `only one call per statement is allowed ($LINE)`);
      }
    }
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    this.pos++;
    return t;
  }

  private isOp(t: Token, value: string): boolean {
    return t.type === 'op' && t.value === value;
  }

  private statement(): PyCall | undefined {
    const first = this.peek();
    if (first.type === 'name' && first.value === 'import') {
      this.importStatement();
      return undefined;
    }
    if (first.type === 'name' && first.value === 'from') {
      throw new Refusal(first.line, 'from ... import is not allowed; call functions by their full name, e.g. pyautogui.click');
    }
    if (first.type !== 'name') {
      throw new Refusal(first.line, `$LINE is not a call; allowed: ${allowedList(this.rules)}`);
    }
    const parts = [first.value];
    this.pos++;
    for (let t = this.peek(1); this.isOp(this.peek(), '.') && t.type === 'name'; t = this.peek(1)) {
      parts.push(t.value);
      this.pos += 2;
    }
    const name = parts.join('.');
    if (!this.isOp(this.peek(), '(')) {
      throw new Refusal(first.line, `$LINE is not a call; allowed: ${allowedList(this.rules)}`);
    }
    if (!this.rules.calls.has(name)) {
      throw new Refusal(first.line, `${name}(...) is not an allowed call; allowed: ${allowedList(this.rules)}`);
    }
    this.pos++;
    // A null-prototype object, so a keyword named __proto__ is just a (refused) name.
    const call: PyCall = { name, args: [], kwargs: Object.create(null) as Record<string, PyValue>, line: first.line };
    this.arguments(call);
    return call;
  }

  private importStatement(): void {
    const line = this.next().line;
    for (;;) {
      const parts: string[] = [];
      do {
        const t = this.next();
        if (t.type !== 'name') throw new Refusal(line, 'malformed import ($LINE)');
        parts.push(t.value);
      } while (this.isOp(this.peek(), '.') && (this.pos++, true));
      const module = parts.join('.');
      if (!this.rules.modules.has(module)) {
        const allowed = this.rules.modules.size > 0 ? `only: import ${[...this.rules.modules].join(', ')}` : 'no imports are needed';
        throw new Refusal(line, `import ${module} is not allowed; ${allowed}`);
      }
      const after = this.peek();
      if (after.type === 'name' && after.value === 'as') {
        throw new Refusal(line, `import ... as is not allowed; write import ${module}`);
      }
      if (!this.isOp(this.peek(), ',')) return;
      this.pos++;
    }
  }

  private arguments(call: PyCall): void {
    let sawKeyword = false;
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, ')')) {
        this.pos++;
        return;
      }
      if (t.type === 'name' && this.isOp(this.peek(1), '=')) {
        if (Object.prototype.hasOwnProperty.call(call.kwargs, t.value)) {
          throw new Refusal(t.line, `keyword argument ${t.value} repeated in ${call.name}(...)`);
        }
        this.pos += 2;
        call.kwargs[t.value] = this.value(call.name, 0);
        sawKeyword = true;
      } else {
        if (sawKeyword) throw new Refusal(t.line, `positional argument after a keyword argument in ${call.name}(...)`);
        if (this.isOp(t, '*') || this.isOp(t, '**')) {
          throw new Refusal(t.line, `argument unpacking is not allowed in ${call.name}(...); write the values`);
        }
        call.args.push(this.value(call.name, 0));
      }
      const sep = this.next();
      if (this.isOp(sep, ')')) return;
      if (!this.isOp(sep, ',')) {
        throw new Refusal(sep.line, `arguments of ${call.name}(...) must be literal values separated by commas ($LINE)`);
      }
    }
  }

  private value(callee: string, depth: number): PyValue {
    if (depth > MAX_DEPTH) throw new Refusal(this.peek().line, `values nested deeper than ${MAX_DEPTH} levels`);
    const t = this.next();
    switch (t.type) {
      case 'number':
        return t.value;
      case 'string': {
        // Adjacent string literals concatenate, as in Python.
        let text = t.value;
        while (this.peek().type === 'string') text += (this.next() as { value: string }).value;
        return text;
      }
      case 'name':
        if (t.value === 'True') return true;
        if (t.value === 'False') return false;
        if (t.value === 'None') return null;
        throw new Refusal(
          t.line,
          `argument ${t.value} of ${callee}(...) is not a literal; only numbers, strings, True/False/None and lists are allowed`,
        );
      case 'op':
        if (t.value === '-' || t.value === '+') {
          const inner = this.value(callee, depth + 1);
          if (typeof inner !== 'number') throw new Refusal(t.line, `'${t.value}' applies only to numbers in ${callee}(...)`);
          return t.value === '-' ? -inner : inner;
        }
        if (t.value === '(' || t.value === '[') return this.sequence(callee, t.value === '(' ? ')' : ']', depth);
        break;
      default:
        break;
    }
    throw new Refusal(t.line, `arguments of ${callee}(...) must be literal values ($LINE)`);
  }

  /** A list or tuple; "(x)" without a comma is just x, as in Python. */
  private sequence(callee: string, close: string, depth: number): PyValue {
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      if (this.isOp(this.peek(), close)) {
        this.pos++;
        break;
      }
      items.push(this.value(callee, depth + 1));
      const sep = this.next();
      if (this.isOp(sep, close)) break;
      if (!this.isOp(sep, ',')) throw new Refusal(sep.line, `arguments of ${callee}(...) must be literal values ($LINE)`);
      sawComma = true;
    }
    if (close === ')' && items.length === 1 && !sawComma) return items[0];
    return items;
  }
}
