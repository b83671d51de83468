/**
 * The extra model calls a run may spend at a step to decide better (rethink, verify, best of N, zoom-in clicks),
 * as every entry point asks for them (CLI flags, the UI's start form, bench): plain data, specs as
 * strings. openRun turns them into the loop's options (opening a judge model when one is named).
 */
export interface ReasoningOptions {
  /** Verify before done: ask a model whether the final screen shows the task complete. */
  verifyDone?: {
    /** Most "not done" verdicts honoured per run (each keeps the run going once). */
    limit: number;
    /** The judge's model spec; default: the run's own model. */
    model?: string;
  };
  /** Rethink before acting (thinking models): a second look at a risky, final or repeated action. */
  rethink?: {
    /** Most tokens the second look may add. */
    maxTokens: number;
  };
  /** Best of N: N replies per step (the step's own included), one chosen by majority or a judge prompt. */
  samples?: {
    n: number;
    select: 'vote' | 'judge';
  };
  /**
   * Zoom-in clicks: before a click runs, the model looks again at a native-resolution crop around its
   * point and the click goes where that look points (agent/loop/zoom-clicks.ts). A live model only.
   */
  zoomClicks?: boolean;
}
