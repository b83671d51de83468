/**
 * Turns parsed pyautogui calls into typed actions, with pyautogui's own semantics:
 * scroll(n) with n > 0 scrolls UP (so dy = -n), hscroll(n) with n > 0 scrolls right, press(key,
 * presses=n), hotkey(*keys), write/typewrite(text or list of keys), click(x, y, clicks, button).
 *
 * Relative moves (moveRel/move, dragRel/drag) need to know where the pointer is, which a parser
 * cannot. They are resolved against the last point an earlier call of the SAME snippet put the
 * pointer at (e.g. moveTo(100, 100); moveRel(50, 0) -> move to (150, 100)); without one, or when
 * the offset is in a different unit than that point, the snippet is refused with a message telling
 * the model to use absolute coordinates.
 */
import type { CoordinateUnit } from '../../models/types.ts';
import { KeyNameError, normalizeKey } from './keys.ts';
import type { PyCall, PyValue } from './python-calls.ts';
import type { ModelAction, ModelPoint, MouseButton } from '../protocol/actions.ts';

export interface PyautoguiOptions {
  /** Decides the unit of a point the model wrote (Kimi: <= 1 means relative). */
  unitOf(x: number, y: number): CoordinateUnit;
  /** Seconds for computer.wait() without an argument. */
  waitSeconds: number;
}

export const PYAUTOGUI_FUNCTIONS = [
  'click', 'leftClick', 'doubleClick', 'tripleClick', 'rightClick', 'middleClick',
  'moveTo', 'moveRel', 'move', 'dragTo', 'dragRel', 'drag', 'mouseDown', 'mouseUp',
  'scroll', 'vscroll', 'hscroll', 'write', 'typewrite', 'press', 'hotkey', 'keyDown', 'keyUp', 'sleep',
] as const;

/** Callee names accepted in plain pyautogui code. */
export const PYAUTOGUI_CALLS: ReadonlySet<string> = new Set([
  ...PYAUTOGUI_FUNCTIONS.map((f) => `pyautogui.${f}`),
  'time.sleep',
]);

/** Kimi / OpenCUA replies add the two computer.* functions. */
export const KIMI_CALLS: ReadonlySet<string> = new Set([...PYAUTOGUI_CALLS, 'computer.wait', 'computer.terminate']);

export const PYTHON_MODULES: ReadonlySet<string> = new Set(['pyautogui', 'time']);

const MAX_PRESSES = 100;
const MAX_WAIT_SECONDS = 60;

export class CallRefusal extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`refused line ${line}: ${reason}`);
    this.name = 'CallRefusal';
  }
}

/** Converts every call or throws CallRefusal for the first one that cannot be honoured. */
export function callsToActions(calls: PyCall[], options: PyautoguiOptions): ModelAction[] {
  const converter = new Converter(options);
  return calls.flatMap((call) => converter.convert(call));
}

class Args {
  constructor(
    readonly call: PyCall,
    private readonly names: string[],
  ) {
    for (const key of Object.keys(call.kwargs)) {
      if (!names.includes(key) && !['duration', 'interval', 'tween', 'logScreenshot', '_pause'].includes(key)) {
        throw this.refuse(`unknown keyword argument ${key}=; ${this.fn}() takes ${names.join(', ')}`);
      }
    }
  }

  get fn(): string {
    return this.call.name.replace(/^pyautogui\./, '');
  }

  get(name: string): PyValue | undefined {
    const i = this.names.indexOf(name);
    if (Object.prototype.hasOwnProperty.call(this.call.kwargs, name)) return this.call.kwargs[name];
    return i >= 0 && i < this.call.args.length ? this.call.args[i] : undefined;
  }

  refuse(reason: string): CallRefusal {
    return new CallRefusal(this.call.line, `${this.fn}(): ${reason}`);
  }

  number(name: string, fallback?: number): number {
    const v = this.get(name);
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v !== 'number') throw this.refuse(`${name} must be a number, got ${show(v)}`);
    return v;
  }

  string(name: string): string {
    const v = this.get(name);
    if (typeof v !== 'string') throw this.refuse(`${name} must be a string, got ${show(v)}`);
    return v;
  }
}

function show(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

class Converter {
  /** Where the snippet last put the pointer, for relative moves. */
  private last: ModelPoint | undefined;

  constructor(private readonly options: PyautoguiOptions) {}

  convert(call: PyCall): ModelAction[] {
    const fn = call.name.startsWith('pyautogui.') ? call.name.slice('pyautogui.'.length) : call.name;
    switch (fn) {
      case 'click':
        return this.click(new Args(call, ['x', 'y', 'clicks', 'interval', 'button']), undefined, undefined);
      case 'leftClick':
        return this.click(new Args(call, ['x', 'y', 'interval']), 1, 'left');
      case 'doubleClick':
        return this.click(new Args(call, ['x', 'y', 'interval', 'button']), 2, undefined);
      case 'tripleClick':
        return this.click(new Args(call, ['x', 'y', 'interval', 'button']), 3, undefined);
      case 'rightClick':
        return this.click(new Args(call, ['x', 'y']), 1, 'right');
      case 'middleClick':
        return this.click(new Args(call, ['x', 'y']), 1, 'middle');
      case 'moveTo': {
        const to = this.requiredPoint(new Args(call, ['x', 'y']));
        return [{ kind: 'move', to }];
      }
      case 'moveRel':
      case 'move':
        return [{ kind: 'move', to: this.offsetPoint(new Args(call, ['xOffset', 'yOffset'])) }];
      case 'dragTo': {
        const a = new Args(call, ['x', 'y', 'duration', 'button']);
        const from = this.last;
        const to = this.requiredPoint(a);
        return [{ kind: 'drag', from, to, button: button(a) }];
      }
      case 'dragRel':
      case 'drag': {
        const a = new Args(call, ['xOffset', 'yOffset', 'duration', 'button']);
        const from = this.last;
        return [{ kind: 'drag', from, to: this.offsetPoint(a), button: button(a) }];
      }
      case 'mouseDown':
      case 'mouseUp': {
        const a = new Args(call, ['x', 'y', 'button']);
        const at = this.optionalPoint(a);
        return [{ kind: fn === 'mouseDown' ? 'mouse_down' : 'mouse_up', at, button: button(a) }];
      }
      case 'scroll':
      case 'vscroll':
      case 'hscroll': {
        const a = new Args(call, ['clicks', 'x', 'y']);
        const clicks = Math.trunc(a.number('clicks'));
        const at = this.optionalPoint(a);
        return [fn === 'hscroll' ? { kind: 'scroll', at, dx: clicks, dy: 0 } : { kind: 'scroll', at, dx: 0, dy: -clicks }];
      }
      case 'write':
      case 'typewrite':
        return this.write(new Args(call, ['message', 'interval']));
      case 'press':
        return this.press(new Args(call, ['keys', 'presses', 'interval']));
      case 'hotkey':
        return this.hotkey(call);
      case 'keyDown':
      case 'keyUp': {
        const a = new Args(call, ['key']);
        const key = toKey(a, a.string('key'));
        return [{ kind: fn === 'keyDown' ? 'key_down' : 'key_up', key }];
      }
      case 'sleep':
      case 'time.sleep':
        return [{ kind: 'wait', seconds: waitSeconds(new Args(call, ['secs', 'seconds']), 'secs', undefined) }];
      case 'computer.wait':
        return [{ kind: 'wait', seconds: waitSeconds(new Args(call, ['seconds']), 'seconds', this.options.waitSeconds) }];
      case 'computer.terminate':
        return [terminate(new Args(call, ['status', 'answer']))];
      default:
        throw new CallRefusal(call.line, `${call.name}(...) is not an allowed call`);
    }
  }

  private click(a: Args, fixedClicks: 1 | 2 | 3 | undefined, fixedButton: MouseButton | undefined): ModelAction[] {
    const at = this.optionalPoint(a);
    const clicks = fixedClicks ?? a.number('clicks', 1);
    if (clicks !== 1 && clicks !== 2 && clicks !== 3) throw a.refuse(`clicks must be 1, 2 or 3, got ${clicks}`);
    return [{ kind: 'click', at, button: fixedButton ?? button(a), clicks }];
  }

  private write(a: Args): ModelAction[] {
    const message = a.get('message');
    if (typeof message === 'string') return message.length === 0 ? [] : [{ kind: 'type', text: message }];
    if (Array.isArray(message)) {
      // typewrite(['a', 'enter']) presses each key in turn.
      return message.map((k) => ({ kind: 'press', key: toKey(a, k), presses: 1 }));
    }
    throw a.refuse(`message must be a string or a list of key names, got ${show(message)}`);
  }

  private press(a: Args): ModelAction[] {
    const keys = a.get('keys');
    if (keys === undefined) throw a.refuse('no key given');
    const list = Array.isArray(keys) ? keys : [keys];
    const presses = a.number('presses', 1);
    if (!Number.isInteger(presses) || presses < 1 || presses > MAX_PRESSES) {
      throw a.refuse(`presses must be a whole number from 1 to ${MAX_PRESSES}, got ${presses}`);
    }
    if (list.length === 0) throw a.refuse('no key given');
    return list.map((k) => ({ kind: 'press', key: toKey(a, k), presses }));
  }

  private hotkey(call: PyCall): ModelAction[] {
    const a = new Args(call, []);
    const raw = call.args.length === 1 && Array.isArray(call.args[0]) ? call.args[0] : call.args;
    if (raw.length === 0) throw a.refuse('no keys given; write e.g. hotkey("ctrl", "c")');
    return [{ kind: 'hotkey', keys: raw.map((k) => toKey(a, k)) }];
  }

  private requiredPoint(a: Args): ModelPoint {
    const p = this.optionalPoint(a);
    if (p === undefined) throw a.refuse('x and y are required');
    return p;
  }

  /** x, y (or an (x, y) pair as x); both missing means "where the pointer is". */
  private optionalPoint(a: Args): ModelPoint | undefined {
    let x = a.get('x');
    let y = a.get('y');
    if (Array.isArray(x)) {
      if (x.length !== 2) throw a.refuse(`a point needs two numbers, got ${show(x)}`);
      [x, y] = x;
    }
    if ((x === undefined || x === null) && (y === undefined || y === null)) return undefined;
    if (typeof x === 'string') throw a.refuse('locating an image or text on screen is not supported; give x and y');
    if (typeof x !== 'number' || typeof y !== 'number') {
      throw a.refuse(`x and y must both be numbers, got x=${show(x)}, y=${show(y)}`);
    }
    const p: ModelPoint = { x, y, unit: this.options.unitOf(x, y) };
    this.last = p;
    return p;
  }

  private offsetPoint(a: Args): ModelPoint {
    let dx: PyValue | undefined = a.get('xOffset') ?? 0;
    let dy: PyValue | undefined = a.get('yOffset') ?? 0;
    if (Array.isArray(dx)) [dx, dy] = dx.length === 2 ? dx : [NaN, NaN];
    if (typeof dx !== 'number' || typeof dy !== 'number' || Number.isNaN(dx) || Number.isNaN(dy)) {
      throw a.refuse('xOffset and yOffset must be numbers');
    }
    const anchor = this.last;
    if (anchor === undefined) {
      throw a.refuse('a relative move needs a known pointer position; use moveTo(x, y) / dragTo(x, y) with absolute coordinates');
    }
    const unit = this.options.unitOf(Math.abs(dx), Math.abs(dy));
    if (unit !== anchor.unit && !(dx === 0 && dy === 0)) {
      throw a.refuse(`the offset (${dx}, ${dy}) is in ${unit} units but the pointer position is in ${anchor.unit} units; use absolute coordinates`);
    }
    const p: ModelPoint = { x: anchor.x + dx, y: anchor.y + dy, unit: anchor.unit };
    this.last = p;
    return p;
  }
}

function button(a: Args): MouseButton {
  const b = a.get('button') ?? 'left';
  switch (b) {
    case 'left':
    case 'primary':
      return 'left';
    case 'right':
    case 'secondary':
      return 'right';
    case 'middle':
      return 'middle';
    default:
      throw a.refuse(`button must be 'left', 'right' or 'middle', got ${show(b)}`);
  }
}

function toKey(a: Args, k: PyValue): string {
  if (typeof k !== 'string') throw a.refuse(`key names must be strings, got ${show(k)}`);
  try {
    return normalizeKey(k);
  } catch (e) {
    if (e instanceof KeyNameError) throw a.refuse(e.message);
    throw e;
  }
}

function waitSeconds(a: Args, name: string, fallback: number | undefined): number {
  const s = a.number(name, fallback);
  if (!(s >= 0 && s <= MAX_WAIT_SECONDS)) throw a.refuse(`${name} must be from 0 to ${MAX_WAIT_SECONDS}, got ${s}`);
  return s;
}

function terminate(a: Args): ModelAction {
  const status = a.get('status') ?? 'success';
  const answer = a.get('answer');
  if (answer !== undefined && answer !== null && typeof answer !== 'string' && typeof answer !== 'number') {
    throw a.refuse(`answer must be text, got ${show(answer)}`);
  }
  const text = answer === undefined || answer === null ? undefined : String(answer);
  if (status === 'success') return { kind: 'done', answer: text };
  if (status === 'failure') return { kind: 'fail', reason: text };
  throw a.refuse(`status must be 'success' or 'failure', got ${show(status)}`);
}
