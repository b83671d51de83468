import type { CoordinateUnit } from '../../models/types.ts';

export type MouseButton = 'left' | 'right' | 'middle';

/** A point in logical pixels of the virtual desktop (display origin included). */
export interface Point {
  x: number;
  y: number;
}

/** A point as the model wrote it, with the unit that says how to read it. */
export interface ModelPoint extends Point {
  unit: CoordinateUnit;
}

/**
 * Everything the agent can do, as one union. P is the point type: parsers produce ModelPoint,
 * the coordinate mapper turns those into Point (screen), environments execute Action<Point>.
 * A missing `at` means "where the pointer is now".
 * Scroll amounts are in wheel clicks: dy > 0 scrolls down, dx > 0 scrolls right.
 * Key names are canonical names from agent/actions/keys.ts (pyautogui names are accepted by parsers).
 */
export type Action<P = Point> =
  | { kind: 'click'; at?: P; button: MouseButton; clicks: 1 | 2 | 3 }
  | { kind: 'move'; to: P }
  | { kind: 'drag'; from?: P; to: P; button: MouseButton }
  | { kind: 'mouse_down'; at?: P; button: MouseButton }
  | { kind: 'mouse_up'; at?: P; button: MouseButton }
  | { kind: 'scroll'; at?: P; dx: number; dy: number }
  | { kind: 'type'; text: string }
  | { kind: 'press'; key: string; presses: number }
  | { kind: 'hotkey'; keys: string[] }
  | { kind: 'key_down'; key: string }
  | { kind: 'key_up'; key: string }
  | { kind: 'wait'; seconds: number }
  | { kind: 'done'; answer?: string }
  | { kind: 'fail'; reason?: string }
  | { kind: 'call_user'; question?: string };

export type ActionKind = Action['kind'];
export type ModelAction = Action<ModelPoint>;
export type ScreenAction = Action<Point>;

/** Actions that end an episode. */
export function isTerminal(action: Action<unknown>): boolean {
  return action.kind === 'done' || action.kind === 'fail' || action.kind === 'call_user';
}

/** Rewrites every point of an action; the one place that knows which fields hold points. */
export function mapActionPoints<A, B>(action: Action<A>, f: (p: A) => B): Action<B> {
  switch (action.kind) {
    case 'click':
    case 'mouse_down':
    case 'mouse_up':
    case 'scroll':
      return { ...action, at: action.at === undefined ? undefined : f(action.at) };
    case 'move':
      return { ...action, to: f(action.to) };
    case 'drag':
      return { ...action, from: action.from === undefined ? undefined : f(action.from), to: f(action.to) };
    case 'type':
    case 'press':
    case 'hotkey':
    case 'key_down':
    case 'key_up':
    case 'wait':
    case 'done':
    case 'fail':
    case 'call_user':
      return action;
  }
}

/** The result of parsing one model reply. */
export interface ParseResult {
  /** The reasoning the reply states (## Thought, Thought:, or the thinking block). */
  thought: string;
  /** Human-readable one-line summary of the intended action (## Action:), if given. */
  summary?: string;
  actions: ModelAction[];
  /** The action text the actions came from (code block, Action: line, JSON), for history and traces. */
  code?: string;
  /** Set when (part of) the reply was refused; the message is shown to the model next step. */
  error?: string;
}
