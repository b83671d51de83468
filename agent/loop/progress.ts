/** One-line summaries of steps and statuses, for the CLI's progress on stderr and `replay` listings. */
import { describeAction } from '../protocol/describe.ts';
import type { RunStatus, StepRecord } from '../trace/types.ts';

export function formatStep(record: StepRecord): string {
  const parts = record.actions.map((a) => {
    const outcome = a.execution ? (a.execution.ok ? '' : ` [failed: ${a.execution.error ?? '?'}]`) : a.safety && a.safety.decision !== 'allow' && !a.safety.approved ? ` [${a.safety.decision === 'deny' ? 'denied' : 'not approved'}]` : '';
    return describeAction(a.screen, { maxText: 40 }) + outcome;
  });
  const what = record.parseError ? `parse error: ${record.parseError}` : parts.join('; ') || '(no action)';
  const seconds = (record.timings.stepMs / 1000).toFixed(1);
  const usage = record.usage;
  const tokens = usage ? `, ${usage.promptTokens} prompt tokens${usage.cachedTokens ? ` (${usage.cachedTokens} cached)` : ''}` : '';
  return `step ${record.step}: ${what} (${seconds}s${tokens})`;
}

export function formatStatus(status: RunStatus, message?: string): string {
  return message ? `${status}: ${message}` : status;
}
