/**
 * Renders an executed action as OSWorld's pyautogui action string for traj.jsonl, so OSWorld tooling
 * (viewers, scorers that look for a final FAIL) reads our runs. The string is a record, never run.
 */
import type { ScreenAction } from '../protocol/actions.ts';

const str = (s: string) => JSON.stringify(s); // a JSON string is also a valid Python string literal
const xy = (p: { x: number; y: number }) => `${Math.round(p.x)}, ${Math.round(p.y)}`;

export function osworldActionString(action: ScreenAction): string {
  switch (action.kind) {
    case 'click': {
      const at = action.at ? `${xy(action.at)}, ` : '';
      return `pyautogui.click(${at}clicks=${action.clicks}, button=${str(action.button)})`;
    }
    case 'move':
      return `pyautogui.moveTo(${xy(action.to)})`;
    case 'drag': {
      const start = action.from ? `pyautogui.moveTo(${xy(action.from)}); ` : '';
      return `${start}pyautogui.dragTo(${xy(action.to)}, button=${str(action.button)})`;
    }
    case 'mouse_down':
    case 'mouse_up': {
      const fn = action.kind === 'mouse_down' ? 'mouseDown' : 'mouseUp';
      return `pyautogui.${fn}(${action.at ? `${xy(action.at)}, ` : ''}button=${str(action.button)})`;
    }
    case 'scroll': {
      // Our dy > 0 scrolls down; pyautogui's positive clicks scroll up.
      const at = action.at ? `, x=${Math.round(action.at.x)}, y=${Math.round(action.at.y)}` : '';
      const parts: string[] = [];
      if (action.dy !== 0) parts.push(`pyautogui.scroll(${-action.dy}${at})`);
      if (action.dx !== 0) parts.push(`pyautogui.hscroll(${action.dx}${at})`);
      return parts.join('; ') || `pyautogui.scroll(0${at})`;
    }
    case 'type':
      return `pyautogui.typewrite(${str(action.text)})`;
    case 'press':
      return `pyautogui.press(${str(action.key)}, presses=${action.presses})`;
    case 'hotkey':
      return `pyautogui.hotkey(${action.keys.map(str).join(', ')})`;
    case 'key_down':
      return `pyautogui.keyDown(${str(action.key)})`;
    case 'key_up':
      return `pyautogui.keyUp(${str(action.key)})`;
    case 'wait':
      return 'WAIT';
    case 'done':
      return 'DONE';
    case 'fail':
    case 'call_user': // OSWorld has no "ask the user"; its harnesses score that ending as FAIL.
      return 'FAIL';
  }
}
