/**
 * One action in words, the same everywhere a person or the model reads it: the CLI's progress lines,
 * the feedback the model gets when an action is refused, the UI's tables and overlay, the HTML report.
 */
import type { Action, ModelPoint, Point } from './actions.ts';

export interface DescribeOptions {
  /** Typed text and answers longer than this are cut with "…" (one-line summaries); default: no limit. */
  maxText?: number;
}

function number(v: number): string {
  return String(Number.isInteger(v) ? v : Number(v.toFixed(3)));
}

/** `(412, 96)` for screen pixels; a model's point names its unit: `(0.25, 0.5 relative)`. */
function point(p: Point | ModelPoint | undefined): string {
  if (!p) return '(at the pointer)';
  return `(${number(p.x)}, ${number(p.y)}${'unit' in p ? ` ${p.unit}` : ''})`;
}

function quote(text: string, options: DescribeOptions): string {
  const max = options.maxText ?? Infinity;
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

function times(n: number): string {
  return n > 1 ? ` ×${n}` : '';
}

/** `right`/`middle` before a mouse verb; the left button goes unsaid. */
function buttonWord(button: string): string {
  return button === 'left' ? '' : `${button} `;
}

const CLICK_WORDS = { 1: 'click', 2: 'double click', 3: 'triple click' } as const;

function scrollWords(dx: number, dy: number): string {
  const parts = [dy !== 0 ? `${dy > 0 ? 'down' : 'up'} ${number(Math.abs(dy))}` : '', dx !== 0 ? `${dx > 0 ? 'right' : 'left'} ${number(Math.abs(dx))}` : ''];
  return parts.filter(Boolean).join(', ') || '0';
}

/** e.g. `double click (412, 96)`, `type "hello"`, `hotkey ctrl+s`, `scroll down 3 (640, 400)`, `done: 42`. */
export function describeAction(action: Action<Point> | Action<ModelPoint>, options: DescribeOptions = {}): string {
  switch (action.kind) {
    case 'click':
      return `${buttonWord(action.button)}${CLICK_WORDS[action.clicks]} ${point(action.at)}`;
    case 'mouse_down':
    case 'mouse_up':
      return `${buttonWord(action.button)}mouse ${action.kind === 'mouse_down' ? 'down' : 'up'} ${point(action.at)}`;
    case 'move':
      return `move to ${point(action.to)}`;
    case 'drag':
      return `${buttonWord(action.button)}drag ${action.from ? `${point(action.from)} ` : ''}to ${point(action.to)}`;
    case 'scroll':
      return `scroll ${scrollWords(action.dx, action.dy)} ${point(action.at)}`;
    case 'type':
      return `type ${quote(action.text, options)}`;
    case 'press':
      return `press ${action.key}${times(action.presses)}`;
    case 'hotkey':
      return `hotkey ${action.keys.join('+')}`;
    case 'key_down':
      return `key down ${action.key}`;
    case 'key_up':
      return `key up ${action.key}`;
    case 'wait':
      return `wait ${number(action.seconds)}s`;
    case 'done':
      return `done${action.answer ? `: ${quote(action.answer, options)}` : ''}`;
    case 'fail':
      return `fail${action.reason ? `: ${quote(action.reason, options)}` : ''}`;
    case 'call_user':
      return `call user${action.question ? `: ${quote(action.question, options)}` : ''}`;
  }
}
