/**
 * What a replay performs again: the screen actions a trace shows were executed successfully, step by
 * step. Their points become fractions of the display they were executed on (the 'relative' unit), so
 * the loop's coordinate mapper puts them at the same place on whatever display runs the replay.
 */
import { isTerminal, mapActionPoints, type ModelAction } from '../protocol/actions.ts';
import type { StepRecord } from './types.ts';

export interface ReplayStep {
  record: StepRecord;
  actions: ModelAction[];
  /** Actions of the step that were not executed originally (denied, failed, terminal): not replayed. */
  skipped: number;
}

/** The recorded steps from `fromStep` up to (not including) `untilStep`. */
export function replayPlan(steps: StepRecord[], fromStep = 1, untilStep = Infinity): ReplayStep[] {
  return steps
    .filter((s) => s.step >= fromStep && s.step < untilStep)
    .map((record) => {
      const d = record.observation.display;
      const actions = record.actions
        .filter((a) => a.execution?.ok === true && !isTerminal(a.screen))
        .map((a) => mapActionPoints(a.screen, (p) => ({ x: (p.x - d.x) / d.width, y: (p.y - d.y) / d.height, unit: 'relative' as const })));
      return { record, actions, skipped: record.actions.length - actions.length };
    });
}
