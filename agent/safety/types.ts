import type { ScreenAction } from '../protocol/actions.ts';
import type { Observation } from '../env/types.ts';

export type SafetyDecision = 'allow' | 'confirm' | 'deny';

export interface SafetyVerdict {
  decision: SafetyDecision;
  /** The rule that decided, e.g. "typed-text/rm-rf"; absent for the default allow. */
  rule?: string;
  /** Why, in words the user and the model can read. */
  reason?: string;
}

export interface ActionContext {
  step: number;
  observation: Observation;
  /** Title and class of the active window, when the environment knows them. */
  activeWindow?: { title: string; className: string };
  /** The page URL, in a browser environment. */
  url?: string;
}

/** Decides each action before it runs (policy rules). */
export interface ActionReviewer {
  review(action: ScreenAction, context: ActionContext): Promise<SafetyVerdict> | SafetyVerdict;
}

/** Asks the user about an action whose verdict is "confirm"; resolves true to approve. */
export type Confirmer = (action: ScreenAction, verdict: SafetyVerdict, context: ActionContext) => Promise<boolean>;
