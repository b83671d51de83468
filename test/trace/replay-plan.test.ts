import { describe, expect, it } from 'vitest';
import type { DisplayInfo } from '../../agent/env/types.ts';
import { osworldActionString } from '../../agent/trace/osworld-action.ts';
import { CoordinateMapper } from '../../agent/coords/mapper.ts';
import { replayPlan } from '../../agent/trace/replay-plan.ts';
import type { RecordedAction } from '../../agent/protocol/actions.ts';
import { stepRecord } from './fixtures/records.ts';

const display = (x: number, width: number, height: number): DisplayInfo => ({ id: '0', x, y: 0, width, height, scaleFactor: 1, primary: true });

describe('replay plan', () => {
  it('replays only what ran successfully, never the final action', () => {
    const ran: RecordedAction = {
      model: { kind: 'press', key: 'enter', presses: 1 },
      capture: { kind: 'press', key: 'enter', presses: 1 },
      screen: { kind: 'press', key: 'enter', presses: 1 },
      execution: { ok: true, durationMs: 1 },
    };
    const denied: RecordedAction = { ...ran, safety: { decision: 'deny' }, execution: undefined };
    const failed: RecordedAction = { ...ran, execution: { ok: false, error: 'x', durationMs: 1 } };
    const done: RecordedAction = { model: { kind: 'done' }, capture: { kind: 'done' }, screen: { kind: 'done' } };
    const steps = [
      stepRecord(1, 'a.png', { actions: [ran, denied] }),
      stepRecord(2, 'b.png', { actions: [failed] }),
      stepRecord(3, 'c.png', { actions: [ran, done] }),
    ];
    expect(replayPlan(steps).map((p) => [p.record.step, p.actions.length, p.skipped])).toEqual([[1, 1, 1], [2, 0, 1], [3, 1, 1]]);
    expect(replayPlan(steps, 3).map((p) => p.record.step)).toEqual([3]);
    expect(replayPlan(steps, 1, 3).map((p) => p.record.step)).toEqual([1, 2]);
  });

  it('puts points at the same place on a display of another size or origin', () => {
    const recorded = (display: DisplayInfo, screen: RecordedAction['screen']) =>
      replayPlan([stepRecord(1, 'a.png', { observation: { display, captureWidth: display.width, captureHeight: display.height, modelWidth: 10, modelHeight: 10 }, actions: [{ model: { kind: 'wait', seconds: 0 }, capture: screen, screen, execution: { ok: true, durationMs: 1 } }] })])[0]!.actions[0]!;
    const on = (to: DisplayInfo) => new CoordinateMapper({ display: to, capture: { width: to.width, height: to.height } });
    const drag = recorded(display(0, 800, 600), { kind: 'drag', from: { x: 100, y: 50 }, to: { x: 700, y: 550 }, button: 'left' });
    expect(on(display(1920, 1600, 1200)).mapAction(drag).screen).toEqual({ kind: 'drag', from: { x: 2120, y: 100 }, to: { x: 3320, y: 1100 }, button: 'left' });
    const click = recorded(display(1920, 1600, 1200), { kind: 'click', at: { x: 1925, y: 6 }, button: 'left', clicks: 2 });
    expect(on(display(1920, 1600, 1200)).mapAction(click).screen).toEqual({ kind: 'click', at: { x: 1925, y: 6 }, button: 'left', clicks: 2 });
  });
});

describe('OSWorld action strings', () => {
  it('writes pyautogui calls with pyautogui sign conventions', () => {
    expect(osworldActionString({ kind: 'scroll', at: { x: 10, y: 20 }, dx: 2, dy: 3 })).toBe('pyautogui.scroll(-3, x=10, y=20); pyautogui.hscroll(2, x=10, y=20)');
    expect(osworldActionString({ kind: 'hotkey', keys: ['ctrl', 'c'] })).toBe('pyautogui.hotkey("ctrl", "c")');
    expect(osworldActionString({ kind: 'type', text: 'a "quoted"\nline' })).toBe('pyautogui.typewrite("a \\"quoted\\"\\nline")');
    expect(osworldActionString({ kind: 'drag', from: { x: 1.4, y: 2.6 }, to: { x: 9, y: 9 }, button: 'right' })).toBe('pyautogui.moveTo(1, 3); pyautogui.dragTo(9, 9, button="right")');
    expect(['done', 'fail', 'call_user', 'wait'].map((kind) => osworldActionString({ kind, seconds: 1 } as never))).toEqual(['DONE', 'FAIL', 'FAIL', 'WAIT']);
  });
});
