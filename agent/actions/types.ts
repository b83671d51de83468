import type { ModelAction } from '../protocol/actions.ts';

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
