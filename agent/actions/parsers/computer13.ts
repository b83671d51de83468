/**
 * OSWorld "computer_13" action space: JSON objects {"action_type": T, "parameters": {...}} (one, or a
 * list), in ```json blocks or bare, or exactly WAIT / DONE / FAIL. Coordinates are screen pixels.
 * SCROLL follows pyautogui: dy > 0 scrolls up, so it becomes a negative Action dy.
 */
import { KeyNameError, normalizeKey } from '../keys.ts';
import type { ModelAction, ModelPoint, MouseButton } from '../../protocol/actions.ts';
import type { ParseResult } from '../types.ts';
import { findFences, withoutFences } from './fences.ts';
import type { ResolvedParseOptions } from './options.ts';
import { specialCode } from './pyautogui.ts';

export const COMPUTER_13_TYPES = [
  'MOVE_TO', 'CLICK', 'MOUSE_DOWN', 'MOUSE_UP', 'RIGHT_CLICK', 'DOUBLE_CLICK', 'DRAG_TO', 'SCROLL',
  'TYPING', 'PRESS', 'KEY_DOWN', 'KEY_UP', 'HOTKEY', 'WAIT', 'FAIL', 'DONE',
] as const;

class Invalid extends Error {}

type Json = unknown;

export function parseComputer13Reply(text: string, options: ResolvedParseOptions): ParseResult {
  const special = specialCode(text, options.waitSeconds);
  if (special !== undefined) return { thought: '', code: text.trim(), actions: [special] };
  const fences = findFences(text);
  const thought = fences.length > 0 ? withoutFences(text, fences).trim() : '';
  const sources = fences.length > 0 ? fences.map((f) => f.code) : [text];
  const code = sources.map((s) => s.trim()).join('\n');
  const objects: Json[] = [];
  for (const [i, source] of sources.entries()) {
    const code = specialCode(source, options.waitSeconds);
    if (code !== undefined) {
      objects.push({ action_type: code.kind === 'wait' ? 'WAIT' : code.kind === 'done' ? 'DONE' : 'FAIL' });
      continue;
    }
    let value: Json;
    try {
      value = JSON.parse(source);
    } catch (e) {
      const where = sources.length > 1 ? ` in code block ${i + 1}` : '';
      return {
        thought,
        code,
        actions: [],
        error: `invalid JSON${where}: ${(e as Error).message}; reply with {"action_type": ..., "parameters": {...}} in a \`\`\`json block`,
      };
    }
    objects.push(...(Array.isArray(value) ? value : [value]));
  }
  try {
    const actions = objects.map((o, i) => toAction(o, i + 1, options));
    if (actions.length === 0) return { thought, code, actions: [], error: 'no action found: the JSON list is empty' };
    return { thought, code, actions };
  } catch (e) {
    if (e instanceof Invalid) return { thought, code, actions: [], error: e.message };
    throw e;
  }
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toAction(o: Json, index: number, options: ResolvedParseOptions): ModelAction {
  const where = `action ${index}`;
  if (!isObject(o)) throw new Invalid(`${where}: expected an object {"action_type": ..., "parameters": {...}}, got ${brief(o)}`);
  const type = o.action_type;
  if (typeof type !== 'string' || !(COMPUTER_13_TYPES as readonly string[]).includes(type)) {
    throw new Invalid(`${where}: action_type ${brief(type)} is unknown; use one of ${COMPUTER_13_TYPES.join(', ')}`);
  }
  const params = o.parameters ?? {};
  if (!isObject(params)) throw new Invalid(`${where}: ${type}.parameters must be an object, got ${brief(params)}`);
  const f = new Fields(`${where}: ${type}.parameters`, params, options.pixelUnit);
  switch (type as (typeof COMPUTER_13_TYPES)[number]) {
    case 'MOVE_TO':
      return { kind: 'move', to: f.point(true)! };
    case 'CLICK': {
      const clicks = f.number('num_clicks', 1);
      if (clicks !== 1 && clicks !== 2 && clicks !== 3) throw new Invalid(`${f.where}.num_clicks must be 1, 2 or 3, got ${clicks}`);
      return { kind: 'click', at: f.point(false), button: f.button(), clicks };
    }
    case 'RIGHT_CLICK':
      return { kind: 'click', at: f.point(false), button: 'right', clicks: 1 };
    case 'DOUBLE_CLICK':
      return { kind: 'click', at: f.point(false), button: 'left', clicks: 2 };
    case 'MOUSE_DOWN':
      return { kind: 'mouse_down', button: f.button() };
    case 'MOUSE_UP':
      return { kind: 'mouse_up', button: f.button() };
    case 'DRAG_TO':
      return { kind: 'drag', to: f.point(true)!, button: 'left' };
    case 'SCROLL': {
      const dx = f.number('dx', 0);
      const dy = f.number('dy', 0);
      if (params.dx === undefined && params.dy === undefined) throw new Invalid(`${f.where} needs dx or dy`);
      return { kind: 'scroll', dx: Math.trunc(dx), dy: -Math.trunc(dy) };
    }
    case 'TYPING':
      return { kind: 'type', text: f.string('text') };
    case 'PRESS':
      return { kind: 'press', key: f.key('key'), presses: 1 };
    case 'KEY_DOWN':
      return { kind: 'key_down', key: f.key('key') };
    case 'KEY_UP':
      return { kind: 'key_up', key: f.key('key') };
    case 'HOTKEY': {
      const keys = params.keys;
      if (!Array.isArray(keys) || keys.length === 0) throw new Invalid(`${f.where}.keys must be a non-empty list of key names`);
      return { kind: 'hotkey', keys: keys.map((k, i) => f.keyValue(`keys[${i}]`, k)) };
    }
    case 'WAIT':
      return { kind: 'wait', seconds: options.waitSeconds };
    case 'DONE':
      return { kind: 'done' };
    case 'FAIL':
      return { kind: 'fail' };
  }
}

class Fields {
  constructor(
    readonly where: string,
    private readonly params: Record<string, Json>,
    private readonly unit: 'screen' | 'image',
  ) {}

  number(name: string, fallback?: number): number {
    const v = this.params[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(`${this.where}.${name} must be a number, got ${brief(v)}`);
    return v;
  }

  string(name: string): string {
    const v = this.params[name];
    if (typeof v !== 'string') throw new Invalid(`${this.where}.${name} must be a string, got ${brief(v)}`);
    return v;
  }

  point(required: boolean): ModelPoint | undefined {
    if (!required && this.params.x === undefined && this.params.y === undefined) return undefined;
    return { x: this.number('x'), y: this.number('y'), unit: this.unit };
  }

  button(): MouseButton {
    const b = this.params.button ?? 'left';
    if (b === 'left' || b === 'right' || b === 'middle') return b;
    throw new Invalid(`${this.where}.button must be "left", "right" or "middle", got ${brief(b)}`);
  }

  key(name: string): string {
    return this.keyValue(name, this.params[name]);
  }

  keyValue(name: string, v: Json): string {
    if (typeof v !== 'string') throw new Invalid(`${this.where}.${name} must be a key name, got ${brief(v)}`);
    try {
      return normalizeKey(v);
    } catch (e) {
      if (e instanceof KeyNameError) throw new Invalid(`${this.where}.${name}: ${e.message}`);
      throw e;
    }
  }
}

/** A short description of a JSON value; never walks nested values (they may be very deep). */
function brief(v: Json): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object' && v !== null) return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
