import { useEffect, useRef, useState, type ReactNode } from 'react';
import { computeWindow, scrollToReveal } from './windowing.ts';

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  height: number;
  render(item: T, index: number): ReactNode;
  /** Row kept in view (the selected step). */
  revealIndex?: number;
  testId?: string;
}

/** A fixed-row-height list that renders only the rows on screen. */
export function VirtualList<T>({ items, rowHeight, height, render, revealIndex, testId }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el || revealIndex === undefined) return;
    const next = scrollToReveal(revealIndex, el.scrollTop, height, rowHeight);
    if (next !== undefined) el.scrollTop = next;
  }, [revealIndex, height, rowHeight]);
  const range = computeWindow({ scrollTop, viewportHeight: height, rowHeight, count: items.length });
  return (
    <div ref={ref} className="vlist" style={{ height }} data-testid={testId} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div style={{ height: range.totalHeight, position: 'relative' }}>
        <div style={{ position: 'absolute', top: range.offsetTop, left: 0, right: 0 }}>
          {items.slice(range.start, range.end).map((item, i) => (
            <div key={range.start + i} style={{ height: rowHeight }} className="vrow">
              {render(item, range.start + i)}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
