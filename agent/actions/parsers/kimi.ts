/**
 * Kimi-VL / OpenCUA replies, after their ◁think▷ reasoning ◁/think▷ block (if any) was split off:
 *   ## Thought: ...      (absent for thinking models; the thinking is the thought)
 *   ## Action: one-line summary
 *   ## Code:
 *   ```python
 *   pyautogui.click(x=0.42, y=0.17)
 *   ```
 * The LAST fenced block is the code (earlier blocks are often quoted examples). Besides pyautogui,
 * computer.wait() and computer.terminate(status=..., answer=...) are allowed.
 */
import type { ParseResult } from '../types.ts';
import { KIMI_CALLS } from '../pyautogui-actions.ts';
import { codeToActions, kimiUnit } from './code.ts';
import { findFences, withoutFences } from './fences.ts';
import type { ResolvedParseOptions } from './options.ts';
import { THINK_CLOSE } from '../../../models/thinking.ts';

const HEADER = /^[ \t]*#{1,4}[ \t]*(Thought|Action|Code)[ \t]*:?[ \t]*/gim;

/** The ## Thought / ## Action / ## Code sections of an answer, by name. */
export function kimiSections(answer: string): Partial<Record<'thought' | 'action' | 'code', string>> {
  const found: { name: 'thought' | 'action' | 'code'; start: number; bodyStart: number }[] = [];
  HEADER.lastIndex = 0;
  for (let m = HEADER.exec(answer); m !== null; m = HEADER.exec(answer)) {
    found.push({ name: m[1].toLowerCase() as 'thought' | 'action' | 'code', start: m.index, bodyStart: HEADER.lastIndex });
    if (m[0].length === 0) HEADER.lastIndex++;
  }
  const sections: Partial<Record<'thought' | 'action' | 'code', string>> = {};
  found.forEach((f, i) => {
    const end = i + 1 < found.length ? found[i + 1].start : answer.length;
    sections[f.name] ??= answer.slice(f.bodyStart, end).trim();
  });
  return sections;
}

export function parseKimiReply(answer: string, options: ResolvedParseOptions): ParseResult {
  const thinking = options.thinking.trim();
  if (thinking && answer.trim() === '') {
    return {
      thought: thinking,
      actions: [],
      error: `the reply ended while still thinking or with nothing after ${THINK_CLOSE}; finish thinking, then answer with ## Action: and ## Code:`,
    };
  }
  const sections = kimiSections(answer);
  const fences = findFences(answer);
  // A reply with no sections at all: the prose around the code is the thought.
  const prose = Object.keys(sections).length === 0 ? withoutFences(answer, fences).trim() : '';
  const thought = thinking || sections.thought || prose;
  const summary = sections.action || undefined;
  const code = fences.length > 0 ? fences[fences.length - 1].code : sections.code;
  if (code === undefined || code.trim().length === 0) {
    return {
      thought,
      summary,
      actions: [],
      error: 'no code found: put the action under ## Code: in a ```python block (pyautogui calls, computer.wait() or computer.terminate(...))',
    };
  }
  const result = codeToActions(code, { calls: KIMI_CALLS, unitOf: kimiUnit, waitSeconds: options.waitSeconds });
  const trimmed = code.trim();
  if (result.error === undefined && result.actions.length === 0) {
    return { thought, summary, code: trimmed, actions: [], error: 'the code block contains no action; write one pyautogui call or computer.wait()' };
  }
  return { thought, summary, code: trimmed, actions: result.actions, ...(result.error !== undefined ? { error: result.error } : {}) };
}
