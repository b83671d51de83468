/**
 * One-line summaries of steps and statuses, for the CLI's progress on stderr and `replay` listings.
 * Model text is printed with its control characters made visible: a reply must not move the cursor,
 * recolour or clear the terminal, or fake lines of output.
 */
import { describeAction } from '../protocol/describe.ts';
import type { RunStatus, StepRecord } from '../trace/types.ts';

// C0 and C1 controls (ESC and CSI included), DEL, and the bidirectional overrides that reorder what is shown.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text for a terminal: every control character written out as \xNN or \uNNNN (newlines and tabs too unless kept). */
export function terminalSafe(text: string, keepLines = false): string {
  return text.replace(CONTROLS, (c) => {
    if (keepLines && (c === '\n' || c === '\t')) return c;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function formatStep(record: StepRecord): string {
  const parts = record.actions.map((a) => {
    const outcome = a.execution ? (a.execution.ok ? '' : ` [failed: ${a.execution.error ?? '?'}]`) : a.safety && a.safety.decision !== 'allow' && !a.safety.approved ? ` [${a.safety.decision === 'deny' ? 'denied' : 'not approved'}]` : '';
    return describeAction(a.screen, { maxText: 40 }) + outcome;
  });
  const what = record.parseError ? `parse error: ${record.parseError}` : parts.join('; ') || '(no action)';
  const seconds = (record.timings.stepMs / 1000).toFixed(1);
  const usage = record.usage;
  const tokens = usage ? `, ${usage.promptTokens} prompt tokens${usage.cachedTokens ? ` (${usage.cachedTokens} cached)` : ''}` : '';
  return terminalSafe(`step ${record.step}: ${what} (${seconds}s${tokens})`);
}

export function formatStatus(status: RunStatus, message?: string): string {
  return terminalSafe(message ? `${status}: ${message}` : status);
}
