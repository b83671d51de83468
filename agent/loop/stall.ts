/**
 * Stagnation: the same action N steps in a row, or N steps whose actions did not change the screen.
 * The first time, the model gets a nudge; if it keeps going for `grace` more steps, the run is stalled.
 */
export interface StallOptions {
  /** Steps in a row that count as a loop (default 3). */
  limit?: number;
  /** Further stuck steps allowed after the nudge before giving up (default 2). */
  grace?: number;
}

export type StallVerdict = { kind: 'ok' } | { kind: 'nudge'; message: string } | { kind: 'stalled'; message: string };

export class StallDetector {
  private readonly limit: number;
  private readonly grace: number;
  private lastKey: string | undefined;
  private repeats = 0;
  private unchanged = 0;
  private stuckSinceNudge: number | undefined;

  constructor(options: StallOptions = {}) {
    this.limit = options.limit ?? 3;
    this.grace = options.grace ?? 2;
    if (!Number.isInteger(this.limit) || this.limit < 2) throw new Error(`stall limit must be an integer >= 2 (got ${this.limit})`);
    if (!Number.isInteger(this.grace) || this.grace < 1) throw new Error(`stall grace must be an integer >= 1 (got ${this.grace})`);
  }

  /**
   * One step that executed actions. `key` identifies what was done (same key = same action);
   * `changed` says whether the screen changed afterwards (undefined when unknown).
   */
  record(key: string, changed: boolean | undefined): StallVerdict {
    this.repeats = key === this.lastKey ? this.repeats + 1 : 1;
    this.lastKey = key;
    if (changed === false) this.unchanged += 1;
    else if (changed === true) this.unchanged = 0;

    const problem =
      this.repeats >= this.limit
        ? `the same action was repeated ${this.repeats} times in a row`
        : this.unchanged >= this.limit
          ? `the last ${this.unchanged} actions did not change the screen`
          : undefined;
    if (problem === undefined) {
      this.stuckSinceNudge = undefined;
      return { kind: 'ok' };
    }
    if (this.stuckSinceNudge === undefined) {
      this.stuckSinceNudge = 0;
      return { kind: 'nudge', message: `Note: ${problem}. It is not working; try a different approach.` };
    }
    this.stuckSinceNudge += 1;
    if (this.stuckSinceNudge >= this.grace) return { kind: 'stalled', message: `stalled: ${problem}, also after being told to change approach` };
    return { kind: 'ok' };
  }
}
