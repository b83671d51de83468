/** One entry point from a model reply to typed actions, per model family. */
import type { ModelFamily } from '../../models/types.ts';
import { parseComputer13Reply } from './parsers/computer13.ts';
import { parseKimiReply } from './parsers/kimi.ts';
import { resolveParseOptions, type ParseOptions } from './parsers/options.ts';
import { parsePyautoguiReply } from './parsers/pyautogui.ts';
import { parseUitarsReply } from './parsers/uitars.ts';
import type { ParseResult } from './types.ts';

export type { ParseOptions } from './parsers/options.ts';

/** Replies longer than this are refused unread (a runaway generation, not an action). */
export const MAX_REPLY_CHARS = 200_000;

/**
 * Parses a reply's answer (its thinking already split off, see models/thinking.ts) into actions in
 * model coordinates. Never throws for any text: a reply that cannot be honoured gives no actions and
 * an `error` written for the model to read on its next step.
 */
export function parseReply(family: ModelFamily, answer: string, options: ParseOptions = {}): ParseResult {
  const length = answer.length + (options.thinking?.length ?? 0);
  if (length > MAX_REPLY_CHARS) {
    return { thought: '', actions: [], error: `the reply is ${length} characters long; at most ${MAX_REPLY_CHARS} are read. Reply briefly.` };
  }
  const resolved = resolveParseOptions(options);
  switch (family) {
    case 'kimi':
      return parseKimiReply(answer, resolved);
    case 'pyautogui':
      return parsePyautoguiReply(answer, resolved);
    case 'computer_13':
      return parseComputer13Reply(answer, resolved);
    case 'uitars':
      return parseUitarsReply(answer, resolved);
  }
}
