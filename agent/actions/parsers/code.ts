/** Python action code -> actions, the step every code-writing family shares. */
import type { CoordinateUnit } from '../../../models/types.ts';
import { parsePythonCalls } from '../python-calls.ts';
import { CallRefusal, PYTHON_MODULES, callsToActions } from '../pyautogui-actions.ts';
import type { ModelAction } from '../../protocol/actions.ts';

export interface CodeResult {
  actions: ModelAction[];
  error?: string;
}

export interface CodeOptions {
  calls: ReadonlySet<string>;
  unitOf(x: number, y: number): CoordinateUnit;
  waitSeconds: number;
}

/** All actions of the snippet, or none and an error the model can read. */
export function codeToActions(code: string, options: CodeOptions): CodeResult {
  const parsed = parsePythonCalls(code, { calls: options.calls, modules: PYTHON_MODULES });
  if (!parsed.ok) return { actions: [], error: parsed.error };
  try {
    return { actions: callsToActions(parsed.calls, options) };
  } catch (e) {
    if (e instanceof CallRefusal) return { actions: [], error: e.message };
    throw e;
  }
}

/** Plain pyautogui code: every coordinate is a screen pixel. */
export const screenUnit = (): CoordinateUnit => 'screen';

/** Kimi / OpenCUA: x and y both <= 1 are fractions of the screen, anything else is pixels (kimi-vl.md §5). */
export const kimiUnit = (x: number, y: number): CoordinateUnit => (x <= 1 && y <= 1 ? 'relative' : 'screen');
