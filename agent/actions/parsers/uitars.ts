/**
 * UI-TARS replies:
 *   Thought: ...
 *   Action: click(start_box='<|box_start|>(412,180)<|box_end|>')
 * Boxes are '(x,y)' points or '(x1,y1,x2,y2)' boxes (their centre is used), optionally wrapped in
 * <|box_start|>...<|box_end|> or <point>x y</point>. Coordinates are 0..1000 of the image (UI-TARS
 * 1.0, unit 'thousand') or pixels of the resized image (1.5, unit 'image'): the caller says which.
 * type(content=...) ending in a newline means "then press Enter", as UI-TARS is trained to write.
 */
import { KeyNameError, normalizeKey } from '../keys.ts';
import { parsePythonCalls, type PyCall, type PyValue } from '../python-calls.ts';
import type { ModelAction, ModelPoint } from '../../protocol/actions.ts';
import type { ParseResult } from '../types.ts';
import type { ResolvedParseOptions } from './options.ts';

export const UITARS_FUNCTIONS = [
  'click', 'left_single', 'left_double', 'right_single', 'hover', 'drag', 'select', 'hotkey', 'press',
  'keydown', 'keyup', 'type', 'scroll', 'wait', 'finished', 'call_user',
] as const;

const CALLS: ReadonlySet<string> = new Set(UITARS_FUNCTIONS);
const NO_MODULES: ReadonlySet<string> = new Set();
const UITARS_WAIT_SECONDS = 5;

class Invalid extends Error {}

/** Thought (or Reflection + Action_Summary) and the Action text of a reply. */
export function uitarsSections(text: string): { thought: string; action: string | undefined } {
  const actionAt = lastLabel(text, 'Action:');
  const head = actionAt < 0 ? text : text.slice(0, actionAt);
  const thoughtAt = head.search(/(^|\n)[ \t]*(Thought|Reflection|Action_Summary)[ \t]*:/);
  const thought = (thoughtAt < 0 ? head : head.slice(thoughtAt))
    .replace(/(^|\n)[ \t]*(Thought|Reflection|Action_Summary)[ \t]*:[ \t]*/g, '$1')
    .trim();
  const action = actionAt < 0 ? undefined : text.slice(actionAt + 'Action:'.length).trim();
  return { thought, action };
}

/** Index of the label on the last line that starts with it (so "Action:" inside a thought is not taken). */
function lastLabel(text: string, label: string): number {
  let found = -1;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline < 0 ? text.length : newline;
    let i = lineStart;
    while (i < lineEnd && (text[i] === ' ' || text[i] === '\t')) i++;
    if (text.startsWith(label, i)) found = i;
    if (newline < 0) return found;
    lineStart = newline + 1;
  }
  return found;
}

export function parseUitarsReply(text: string, options: ResolvedParseOptions): ParseResult {
  const { thought, action } = uitarsSections(text);
  if (action === undefined || action.length === 0) {
    return { thought, actions: [], error: "no action found: end the reply with a line 'Action: ...', e.g. Action: click(start_box='(500,300)')" };
  }
  const parsed = parsePythonCalls(action, { calls: CALLS, modules: NO_MODULES });
  let calls: PyCall[];
  if (parsed.ok) calls = parsed.calls;
  else {
    const loose = looseContentCall(action);
    if (loose === undefined) return { thought, code: action, actions: [], error: parsed.error };
    calls = [loose];
  }
  try {
    const actions = calls.flatMap((c) => toActions(c, options));
    if (actions.length === 0) return { thought, code: action, actions: [], error: 'no action found after Action:' };
    return { thought, code: action, actions };
  } catch (e) {
    if (e instanceof Invalid) return { thought, code: action, actions: [], error: e.message };
    throw e;
  }
}

/**
 * UI-TARS often writes type(content='it's') with an unescaped quote, which is not valid Python.
 * For the text-only calls, take everything between the first quote and the last one.
 */
function looseContentCall(action: string): PyCall | undefined {
  const m = /^(type|finished|call_user)\(\s*content\s*=\s*(['"])([\s\S]*)\2\s*\)\s*$/.exec(action);
  if (m === null) return undefined;
  const content = m[3].replace(/\\(n|t|'|"|\\)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
  const kwargs = Object.create(null) as Record<string, PyValue>;
  kwargs.content = content;
  return { name: m[1], args: [], kwargs, line: 1 };
}

function toActions(call: PyCall, options: ResolvedParseOptions): ModelAction[] {
  const a = new UArgs(call, options);
  switch (call.name) {
    case 'click':
    case 'left_single':
      return [{ kind: 'click', at: a.point('start_box'), button: 'left', clicks: 1 }];
    case 'left_double':
      return [{ kind: 'click', at: a.point('start_box'), button: 'left', clicks: 2 }];
    case 'right_single':
      return [{ kind: 'click', at: a.point('start_box'), button: 'right', clicks: 1 }];
    case 'hover':
      return [{ kind: 'move', to: a.point('start_box') }];
    case 'drag':
    case 'select':
      return [{ kind: 'drag', from: a.point('start_box'), to: a.point('end_box'), button: 'left' }];
    case 'hotkey': {
      const keys = a.string('key').trim().split(/\s+/).filter((k) => k.length > 0).map((k) => a.key(k));
      if (keys.length === 0) throw a.invalid("key is empty; write e.g. hotkey(key='ctrl c')");
      return keys.length === 1 ? [{ kind: 'press', key: keys[0], presses: 1 }] : [{ kind: 'hotkey', keys }];
    }
    case 'press':
      return [{ kind: 'press', key: a.key(a.string('key')), presses: 1 }];
    case 'keydown':
      return [{ kind: 'key_down', key: a.key(a.string('key')) }];
    case 'keyup':
      return [{ kind: 'key_up', key: a.key(a.string('key')) }];
    case 'type':
      return typeActions(a.string('content'));
    case 'scroll':
      return [scroll(a, options.scrollClicks)];
    case 'wait':
      return [{ kind: 'wait', seconds: UITARS_WAIT_SECONDS }];
    case 'finished': {
      const content = a.optionalString('content');
      return [{ kind: 'done', answer: content }];
    }
    case 'call_user':
      return [{ kind: 'call_user', question: a.optionalString('content') }];
    default:
      throw a.invalid('is not a UI-TARS action');
  }
}

function typeActions(content: string): ModelAction[] {
  const enter = content.endsWith('\n');
  const text = enter ? content.replace(/\n+$/, '') : content;
  const actions: ModelAction[] = [];
  if (text.length > 0) actions.push({ kind: 'type', text });
  if (enter) actions.push({ kind: 'press', key: 'enter', presses: 1 });
  return actions;
}

function scroll(a: UArgs, clicks: number): ModelAction {
  const at = a.has('start_box') ? a.point('start_box') : undefined;
  const direction = (a.optionalString('direction') ?? 'down').trim().toLowerCase();
  switch (direction) {
    case 'down':
      return { kind: 'scroll', at, dx: 0, dy: clicks };
    case 'up':
      return { kind: 'scroll', at, dx: 0, dy: -clicks };
    case 'right':
      return { kind: 'scroll', at, dx: clicks, dy: 0 };
    case 'left':
      return { kind: 'scroll', at, dx: -clicks, dy: 0 };
    default:
      throw a.invalid(`direction must be 'up', 'down', 'left' or 'right', got ${JSON.stringify(direction)}`);
  }
}

class UArgs {
  constructor(
    private readonly call: PyCall,
    private readonly options: ResolvedParseOptions,
  ) {}

  invalid(reason: string): Invalid {
    return new Invalid(`refused line ${this.call.line}: ${this.call.name}(): ${reason}`);
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** Keyword (also the point/start_point aliases newer models use) or the first positionals. */
  private raw(name: string): PyValue | undefined {
    const aliases: Record<string, string[]> = {
      start_box: ['start_box', 'point', 'start_point'],
      end_box: ['end_box', 'end_point'],
    };
    for (const n of aliases[name] ?? [name]) {
      if (Object.prototype.hasOwnProperty.call(this.call.kwargs, n)) return this.call.kwargs[n];
    }
    const order = ['start_box', 'end_box'];
    const i = order.indexOf(name);
    if (i >= 0 && i < this.call.args.length) return this.call.args[i];
    if (name !== 'start_box' && name !== 'end_box' && this.call.args.length === 1 && Object.keys(this.call.kwargs).length === 0) {
      return this.call.args[0];
    }
    return undefined;
  }

  string(name: string): string {
    const v = this.raw(name);
    if (typeof v !== 'string') throw this.invalid(`${name} must be a string, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return v;
  }

  optionalString(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    return this.string(name);
  }

  key(k: string): string {
    try {
      return normalizeKey(k);
    } catch (e) {
      if (e instanceof KeyNameError) throw this.invalid(e.message);
      throw e;
    }
  }

  point(name: string): ModelPoint {
    const v = this.raw(name);
    const numbers = typeof v === 'string' ? boxNumbers(v) : Array.isArray(v) ? v : undefined;
    if (numbers === undefined || !numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw this.invalid(`${name} must be a box like '(x1,y1)' or '(x1,y1,x2,y2)', got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    }
    const ns = numbers as number[];
    if (ns.length === 2) return { x: ns[0], y: ns[1], unit: this.options.uitarsUnit };
    if (ns.length === 4) return { x: (ns[0] + ns[2]) / 2, y: (ns[1] + ns[3]) / 2, unit: this.options.uitarsUnit };
    throw this.invalid(`${name} needs 2 or 4 numbers, got ${ns.length}`);
  }
}

/** The numbers in a box string, whatever wraps them. */
export function boxNumbers(box: string): number[] {
  const stripped = box.replace(/<\|box_start\|>|<\|box_end\|>|<\/?point>|<\/?bbox>/g, ' ');
  if (stripped.length > 200) return [NaN];
  return (stripped.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
}
