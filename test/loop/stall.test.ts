import { describe, expect, it } from 'vitest';
import { PauseControl } from '../../agent/loop/pause.ts';
import { StallDetector } from '../../agent/loop/stall.ts';

describe('StallDetector', () => {
  it('nudges at the third identical action and gives up two stuck steps later', () => {
    const d = new StallDetector();
    const kinds = ['A', 'A', 'A', 'A', 'A'].map((k) => d.record(k, true).kind);
    expect(kinds).toEqual(['ok', 'ok', 'nudge', 'ok', 'stalled']);
  });

  it('counts steps that changed nothing even when the actions differ', () => {
    const d = new StallDetector({ limit: 2, grace: 1 });
    expect(d.record('a', false).kind).toBe('ok');
    const nudge = d.record('b', false);
    expect(nudge).toEqual({ kind: 'nudge', message: 'Note: the last 2 actions did not change the screen. It is not working; try a different approach.' });
    const stalled = d.record('c', false);
    expect(stalled.kind).toBe('stalled');
    expect(stalled.kind === 'stalled' && stalled.message).toMatch(/did not change the screen, also after being told/);
  });

  it('forgives the model once it changes course after the nudge', () => {
    const d = new StallDetector();
    for (const k of ['A', 'A']) d.record(k, true);
    expect(d.record('A', true).kind).toBe('nudge');
    expect(d.record('B', true).kind).toBe('ok');
    // A new loop starts from scratch and earns a new nudge.
    expect(['B', 'B'].map((k) => d.record(k, true).kind)).toEqual(['ok', 'nudge']);
  });

  it('does not treat an unknown screen change as no change', () => {
    const d = new StallDetector({ limit: 2 });
    expect([d.record('a', undefined), d.record('b', undefined), d.record('c', undefined)].map((v) => v.kind)).toEqual(['ok', 'ok', 'ok']);
  });

  it('refuses nonsense limits', () => {
    expect(() => new StallDetector({ limit: 1 })).toThrow(/limit must be an integer >= 2/);
  });
});

describe('PauseControl', () => {
  it('holds waiters until resumed, and lets an abort through', async () => {
    const p = new PauseControl();
    await p.waitUntilResumed(); // not paused: immediate
    p.pause();
    let woke = false;
    const waiting = p.waitUntilResumed().then(() => (woke = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(woke).toBe(false);
    p.resume();
    await waiting;
    expect(woke).toBe(true);

    p.pause();
    const controller = new AbortController();
    const aborted = p.waitUntilResumed(controller.signal);
    controller.abort();
    await aborted;
    expect(p.paused).toBe(true);
  });
});
