/**
 * What `replay --execute` does again: the screen actions a trace shows were executed successfully,
 * step by step, moved onto the current display when its geometry differs from the recorded one.
 */
import { isTerminal, mapActionPoints, type Point, type ScreenAction } from '../protocol/actions.ts';
import type { DisplayInfo } from '../env/types.ts';
import type { StepRecord } from './types.ts';

export interface ReplayStep {
  step: number;
  actions: ScreenAction[];
  /** Actions of the step that were not executed originally (denied, failed, terminal): not replayed. */
  skipped: number;
  display: DisplayInfo;
}

export function replayPlan(steps: StepRecord[], fromStep = 1): ReplayStep[] {
  return steps
    .filter((s) => s.step >= fromStep)
    .map((s) => {
      const actions = s.actions.filter((a) => a.execution?.ok === true && !isTerminal(a.screen)).map((a) => a.screen);
      return { step: s.step, actions, skipped: s.actions.length - actions.length, display: s.observation.display };
    });
}

/** Moves a point from the recorded display to the same relative place on `to`. */
export function remapPoint(p: Point, from: DisplayInfo, to: DisplayInfo): Point {
  if (from.x === to.x && from.y === to.y && from.width === to.width && from.height === to.height) return p;
  return {
    x: to.x + ((p.x - from.x) * to.width) / from.width,
    y: to.y + ((p.y - from.y) * to.height) / from.height,
  };
}

export function remapAction(action: ScreenAction, from: DisplayInfo, to: DisplayInfo): ScreenAction {
  return mapActionPoints(action, (p) => remapPoint(p, from, to));
}
