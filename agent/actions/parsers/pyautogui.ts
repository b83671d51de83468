/**
 * Plain OSWorld "pyautogui" action space: Python in fenced blocks (or bare), or exactly one of the
 * special codes WAIT / DONE / FAIL. Every block runs in order; coordinates are screen pixels
 * (or resized-image pixels when options.pixelUnit says so).
 */
import type { ModelAction } from '../../protocol/actions.ts';
import type { ParseResult } from '../types.ts';
import { PYAUTOGUI_CALLS } from '../pyautogui-actions.ts';
import { codeToActions } from './code.ts';
import { findFences, withoutFences } from './fences.ts';
import type { ResolvedParseOptions } from './options.ts';

/** WAIT / DONE / FAIL as the whole reply or the whole block. */
export function specialCode(text: string, waitSeconds: number): ModelAction | undefined {
  switch (text.trim()) {
    case 'WAIT':
      return { kind: 'wait', seconds: waitSeconds };
    case 'DONE':
      return { kind: 'done' };
    case 'FAIL':
      return { kind: 'fail' };
    default:
      return undefined;
  }
}

export function parsePyautoguiReply(text: string, options: ResolvedParseOptions): ParseResult {
  const special = specialCode(text, options.waitSeconds);
  if (special !== undefined) return { thought: '', code: text.trim(), actions: [special] };
  const fences = findFences(text);
  const thought = fences.length > 0 ? withoutFences(text, fences).trim() : '';
  const blocks = fences.length > 0 ? fences.map((f) => f.code) : [text];
  const code = blocks.map((b) => b.trim()).join('\n');
  const actions: ModelAction[] = [];
  for (const [i, block] of blocks.entries()) {
    const special = specialCode(block, options.waitSeconds);
    if (special !== undefined) {
      actions.push(special);
      continue;
    }
    const unitOf = () => options.pixelUnit;
    const result = codeToActions(block, { calls: PYAUTOGUI_CALLS, unitOf, waitSeconds: options.waitSeconds });
    if (result.error !== undefined) {
      const where = blocks.length > 1 ? `code block ${i + 1}: ` : '';
      return { thought, code, actions: [], error: where + result.error };
    }
    actions.push(...result.actions);
  }
  if (actions.length === 0) {
    return { thought, code, actions: [], error: 'no action found: reply with pyautogui code in a ```python block, or exactly WAIT, DONE or FAIL' };
  }
  return { thought, code, actions };
}
