/**
 * The upgrade path for old traces: each record carries the version that wrote it; the reader runs the
 * upgraders from that version up to TRACE_VERSION before validating. When a record shape changes, bump
 * TRACE_VERSION in types.ts, keep the old shape as a frozen type here, and add `[old]: (r) => newShape`.
 */
import { TRACE_VERSION } from './types.ts';

export type RecordKind = 'run' | 'step';
type Upgrader = (record: Record<string, unknown>) => Record<string, unknown>;
export type UpgradeTable = Record<RecordKind, Record<number, Upgrader>>;

/** No older format has shipped yet; version 1 is the first. */
export const UPGRADERS: UpgradeTable = { run: {}, step: {} };

export class TraceVersionError extends Error {
  override name = 'TraceVersionError';
}

/**
 * Brings one parsed record to `target`. Throws for a record newer than this program (upgrade
 * deskpilot) or one whose version has no upgrader.
 */
export function upgradeRecord(
  kind: RecordKind,
  record: Record<string, unknown>,
  table: UpgradeTable = UPGRADERS,
  target: number = TRACE_VERSION,
): Record<string, unknown> {
  let version = record['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new TraceVersionError(`field "version" must be a positive integer (got ${JSON.stringify(version)})`);
  }
  if (version > target) {
    throw new TraceVersionError(
      `field "version" is ${version}, newer than this deskpilot reads (${target}); update deskpilot to read this trace`,
    );
  }
  let current = record;
  while (version < target) {
    const step = table[kind][version];
    if (!step) throw new TraceVersionError(`no upgrade from ${kind} record version ${version} to ${version + 1}`);
    current = { ...step(current), version: version + 1 };
    version += 1;
  }
  return current;
}
