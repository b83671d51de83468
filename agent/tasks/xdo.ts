/**
 * Executes the few actions a setup step can ask for (pyautogui one-liners in OSWorld's setup
 * commands) with xdotool on the environment's display. Setup runs in the harness process, which is
 * not bound to any display, so it cannot use the agent's own input backend.
 */
import type { ModelAction } from '../protocol/actions.ts';
import { runCommand } from './proc.ts';

const KEYSYMS: Record<string, string> = {
  enter: 'Return', escape: 'Escape', tab: 'Tab', space: 'space', backspace: 'BackSpace', delete: 'Delete', insert: 'Insert',
  home: 'Home', end: 'End', pageup: 'Prior', pagedown: 'Next', up: 'Up', down: 'Down', left: 'Left', right: 'Right',
  ctrl: 'ctrl', ctrlright: 'Control_R', alt: 'alt', altright: 'Alt_R', shift: 'shift', shiftright: 'Shift_R', super: 'super',
  superright: 'Super_R', capslock: 'Caps_Lock', printscreen: 'Print', menu: 'Menu',
  '-': 'minus', '=': 'equal', '[': 'bracketleft', ']': 'bracketright', '\\': 'backslash', ';': 'semicolon', "'": 'apostrophe',
  ',': 'comma', '.': 'period', '/': 'slash', '`': 'grave',
};

export function keysym(key: string): string {
  if (KEYSYMS[key]) return KEYSYMS[key];
  if (/^f\d{1,2}$/.test(key)) return key.toUpperCase();
  return key;
}

// No --sync on mousemove: it waits for a motion event, and never returns when the pointer is already there.
const BUTTON = { left: '1', middle: '2', right: '3' } as const;

function xdotoolArgs(action: ModelAction): string[][] {
  switch (action.kind) {
    case 'click': {
      const move = action.at ? [['mousemove', String(Math.round(action.at.x)), String(Math.round(action.at.y))]] : [];
      return [...move, ['click', '--repeat', String(action.clicks), BUTTON[action.button]]];
    }
    case 'move':
      return [['mousemove', String(Math.round(action.to.x)), String(Math.round(action.to.y))]];
    case 'type':
      return [['type', '--delay', '12', '--', action.text]];
    case 'press':
      return [['key', '--repeat', String(action.presses), keysym(action.key)]];
    case 'hotkey':
      return [['key', action.keys.map(keysym).join('+')]];
    case 'scroll': {
      const button = action.dy > 0 ? '5' : action.dy < 0 ? '4' : action.dx > 0 ? '7' : '6';
      const n = Math.abs(action.dy || action.dx);
      return n === 0 ? [] : [['click', '--repeat', String(n), button]];
    }
    case 'wait':
      return [];
    default:
      throw new Error(`setup cannot perform a ${action.kind} action`);
  }
}

export async function runSetupActions(actions: ModelAction[], env: NodeJS.ProcessEnv): Promise<void> {
  for (const action of actions) {
    if (action.kind === 'wait') {
      await new Promise((r) => setTimeout(r, action.seconds * 1000));
      continue;
    }
    for (const args of xdotoolArgs(action)) {
      const result = await runCommand(['xdotool', ...args], { env, timeoutMs: 15_000 });
      if (result.code !== 0) throw new Error(`xdotool ${args.join(' ')} failed: ${result.error ?? result.stderr.trim()}`);
    }
  }
}
