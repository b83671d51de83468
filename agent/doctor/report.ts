/** A doctor finding: what was checked, how it went, and what to do about it. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What the user should do; set for warn and fail. */
  fix?: string;
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

export function formatResults(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results
    .map((r) => `[${MARK[r.status]}] ${r.name.padEnd(width)}  ${r.detail}${r.fix ? `\n       ${' '.repeat(width)}  fix: ${r.fix}` : ''}`)
    .join('\n');
}

/** Runs a check, turning an unexpected exception into a failed result instead of a crash. */
export async function guard(name: string, check: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const result = await check();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    return [{ name, status: 'fail', detail: (error as Error).message.split('\n')[0], fix: 'see the message; run again with the problem fixed' }];
  }
}
