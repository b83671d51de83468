import type { ActionReviewer, Confirmer } from '../safety/types.ts';
import type { Observation } from '../env/types.ts';

/**
 * Where safety and privacy plug into the loop. Every hook is optional; the loop without hooks
 * allows every action.
 */
export interface LoopHooks {
  /** Rule-based allow / confirm / deny for each action. */
  reviewer?: ActionReviewer;
  /** Asked when the reviewer says "confirm"; without one, confirm means deny. */
  confirm?: Confirmer;
  /** Masks regions / windows; applied before the model or the trace sees a screenshot. */
  filterObservation?(observation: Observation): Promise<Observation> | Observation;
  /**
   * Called after each executed action with where the agent left the pointer; returns true when the
   * user has taken over (moved the mouse or typed), which pauses the run until resumed.
   */
  userIntervened?(): Promise<boolean> | boolean;
  /** Removes secrets from text before it reaches logs and traces. */
  redact?(text: string): string;
}
