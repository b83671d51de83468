/**
 * One-line summaries of steps and statuses, for the CLI's progress on stderr and `replay` listings.
 * Model text is printed with its control characters made visible: a reply must not move the cursor,
 * recolour or clear the terminal, or fake lines of output.
 */
import type { ScreenAction } from '../actions/types.ts';
import type { RunStatus, StepRecord } from '../trace/types.ts';
import { describeAction } from './act.ts';

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

/** One line for a person: what the action does, with its text, keys and place. */
export function actionText(action: ScreenAction): string {
  return terminalSafe(actionWords(action));
}

function actionWords(action: ScreenAction): string {
  switch (action.kind) {
    case 'type':
      return `type ${JSON.stringify(action.text.length > 40 ? action.text.slice(0, 40) + '…' : action.text)}`;
    case 'press':
      return `press ${action.key}${action.presses > 1 ? ` x${action.presses}` : ''}`;
    case 'hotkey':
      return `hotkey ${action.keys.join('+')}`;
    case 'key_down':
    case 'key_up':
      return `${action.kind} ${action.key}`;
    case 'scroll':
      return `${describeAction(action)} by (${action.dx}, ${action.dy})`;
    case 'wait':
      return `wait ${action.seconds}s`;
    case 'done':
      return `done${action.answer ? `: ${action.answer}` : ''}`;
    case 'fail':
      return `fail${action.reason ? `: ${action.reason}` : ''}`;
    case 'call_user':
      return `call_user${action.question ? `: ${action.question}` : ''}`;
    default:
      return `${describeAction(action)}${action.kind === 'click' && action.clicks > 1 ? ` x${action.clicks}` : ''}${'button' in action && action.button !== 'left' ? ` (${action.button})` : ''}`;
  }
}

export function formatStep(record: StepRecord): string {
  const parts = record.actions.map((a) => {
    const outcome = a.execution ? (a.execution.ok ? '' : ` [failed: ${a.execution.error ?? '?'}]`) : a.safety && a.safety.decision !== 'allow' && !a.safety.approved ? ` [${a.safety.decision === 'deny' ? 'denied' : 'not approved'}]` : '';
    return actionText(a.screen) + outcome;
  });
  const what = record.parseError ? `parse error: ${record.parseError}` : parts.join('; ') || '(no action)';
  const seconds = (record.timings.stepMs / 1000).toFixed(1);
  return terminalSafe(`step ${record.step}: ${what} (${seconds}s)`);
}

export function formatStatus(status: RunStatus, message?: string): string {
  return terminalSafe(message ? `${status}: ${message}` : status);
}
