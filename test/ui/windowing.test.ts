/** The windowing helper behind every long list: what it renders always covers what is on screen. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeWindow, scrollToReveal } from '../../renderer/src/windowing.ts';

describe('computeWindow', () => {
  it('renders a small slice of a 500-row list, starting at the first visible row', () => {
    const range = computeWindow({ scrollTop: 34 * 200 + 10, viewportHeight: 420, rowHeight: 34, count: 500, overscan: 4 });
    expect(range).toEqual({ start: 196, end: 218, offsetTop: 196 * 34, totalHeight: 500 * 34 });
  });

  it('always covers the visible rows, stays inside the list, and renders O(viewport) rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 400_000 }),
        fc.integer({ min: 0, max: 10 }),
        (count, rowHeight, viewportHeight, scrollTop, overscan) => {
          const r = computeWindow({ scrollTop, viewportHeight, rowHeight, count, overscan });
          expect(r.totalHeight).toBe(count * rowHeight);
          expect(0 <= r.start && r.start <= r.end && r.end <= count).toBe(true);
          expect(r.offsetTop).toBe(r.start * rowHeight);
          // The browser clamps scrollTop to the scrollable range; every row intersecting the viewport is rendered.
          const top = Math.min(scrollTop, Math.max(0, count * rowHeight - viewportHeight));
          const firstVisible = Math.floor(top / rowHeight);
          const lastVisible = Math.min(count - 1, Math.floor((top + viewportHeight - 1) / rowHeight));
          if (count > 0 && viewportHeight > 0) {
            expect(r.start).toBeLessThanOrEqual(firstVisible);
            expect(r.end).toBeGreaterThan(lastVisible);
          }
          expect(r.end - r.start).toBeLessThanOrEqual(Math.ceil(viewportHeight / rowHeight) + 1 + 2 * overscan);
        },
      ),
    );
  });
});

describe('scrollToReveal', () => {
  it('scrolls just enough to show a row above or below the viewport, and not at all when visible', () => {
    expect(scrollToReveal(10, 0, 100, 20)).toBe(10 * 20 + 20 - 100);
    expect(scrollToReveal(2, 200, 100, 20)).toBe(40);
    expect(scrollToReveal(11, 200, 100, 20)).toBeUndefined();
  });
});
