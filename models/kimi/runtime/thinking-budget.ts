import type { SplitState } from '../../thinking.ts';

/**
 * Thinking budget: counts tokens generated while thinking; once `budget` is spent it says the close
 * marker must be forced (the loop then feeds the marker's token ids instead of sampling).
 */
export class ThinkingBudget {
  private spent = 0;
  private forced = false;
  constructor(private readonly budget: number | undefined) {
    if (budget !== undefined && !(Number.isInteger(budget) && budget >= 0)) {
      throw new RangeError(`sampling.thinkingBudget must be an integer >= 0 (got ${budget})`);
    }
  }

  /** Call once per generated token with the splitter's state after that token. */
  shouldForceClose(state: SplitState): boolean {
    if (this.budget === undefined || this.forced || state !== 'thinking') return false;
    this.spent++;
    if (this.spent >= this.budget) {
      this.forced = true;
      return true;
    }
    return false;
  }

  get tokensSpent(): number {
    return this.spent;
  }
}
