import { describe, expect, it } from 'vitest';
import { ThinkingBudget } from '../../models/kimi/runtime/thinking-budget.ts';

describe('thinking budget', () => {
  it('forces the close after exactly `budget` thinking tokens, once, and ignores answer tokens', () => {
    const b = new ThinkingBudget(3);
    expect(b.shouldForceClose('start')).toBe(false);
    expect(b.shouldForceClose('thinking')).toBe(false);
    expect(b.shouldForceClose('thinking')).toBe(false);
    expect(b.shouldForceClose('thinking')).toBe(true);
    expect(b.shouldForceClose('thinking')).toBe(false);
    expect(new ThinkingBudget(undefined).shouldForceClose('thinking')).toBe(false);
    expect(() => new ThinkingBudget(-1)).toThrow(/thinkingBudget.*-1/);
  });
});
