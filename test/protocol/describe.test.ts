import { describe, expect, it } from 'vitest';
import type { Action, ModelPoint, Point } from '../../agent/protocol/actions.ts';
import { hasPoint } from '../../agent/protocol/actions.ts';
import { describeAction } from '../../agent/protocol/describe.ts';

describe('describeAction', () => {
  it('names every kind of action in words a person reads', () => {
    const cases: [Action<Point>, string][] = [
      [{ kind: 'click', at: { x: 412, y: 96 }, button: 'left', clicks: 1 }, 'click (412, 96)'],
      [{ kind: 'click', at: { x: 412.5, y: 96 }, button: 'right', clicks: 2 }, 'right double click (412.5, 96)'],
      [{ kind: 'click', button: 'middle', clicks: 3 }, 'middle triple click (at the pointer)'],
      [{ kind: 'mouse_down', at: { x: 1, y: 2 }, button: 'left' }, 'mouse down (1, 2)'],
      [{ kind: 'mouse_up', button: 'right' }, 'right mouse up (at the pointer)'],
      [{ kind: 'move', to: { x: 3, y: 4 } }, 'move to (3, 4)'],
      [{ kind: 'drag', from: { x: 1, y: 2 }, to: { x: 3, y: 4 }, button: 'left' }, 'drag (1, 2) to (3, 4)'],
      [{ kind: 'drag', to: { x: 3, y: 4 }, button: 'left' }, 'drag to (3, 4)'],
      [{ kind: 'scroll', at: { x: 640, y: 400 }, dx: 0, dy: 3 }, 'scroll down 3 (640, 400)'],
      [{ kind: 'scroll', dx: -2, dy: -1 }, 'scroll up 1, left 2 (at the pointer)'],
      [{ kind: 'type', text: 'hello\nworld' }, 'type "hello\\nworld"'],
      [{ kind: 'press', key: 'enter', presses: 3 }, 'press enter ×3'],
      [{ kind: 'hotkey', keys: ['ctrl', 'alt', 't'] }, 'hotkey ctrl+alt+t'],
      [{ kind: 'key_down', key: 'shift' }, 'key down shift'],
      [{ kind: 'key_up', key: 'shift' }, 'key up shift'],
      [{ kind: 'wait', seconds: 1.5 }, 'wait 1.5s'],
      [{ kind: 'done', answer: '42' }, 'done: "42"'],
      [{ kind: 'done' }, 'done'],
      [{ kind: 'fail', reason: 'no such file' }, 'fail: "no such file"'],
      [{ kind: 'call_user', question: 'Which one?' }, 'call user: "Which one?"'],
    ];
    for (const [action, text] of cases) expect(describeAction(action)).toBe(text);
  });

  it("gives a model's point its unit, and rounds long fractions", () => {
    const click: Action<ModelPoint> = { kind: 'click', at: { x: 0.123456, y: 0.5, unit: 'relative' }, button: 'left', clicks: 1 };
    expect(describeAction(click)).toBe('click (0.123, 0.5 relative)');
    expect(describeAction({ kind: 'move', to: { x: 235, y: 512, unit: 'thousand' } })).toBe('move to (235, 512 thousand)');
  });

  it('cuts long text only when asked, and keeps it on one line', () => {
    const text = 'x'.repeat(50) + '\n';
    expect(describeAction({ kind: 'type', text }, { maxText: 40 })).toBe(`type "${'x'.repeat(40)}…"`);
    expect(describeAction({ kind: 'type', text })).toBe(`type "${'x'.repeat(50)}\\n"`);
    expect(describeAction({ kind: 'fail', reason: 'line one\nline two' })).not.toContain('\n');
  });

  it('tells actions with a place on screen from the others', () => {
    expect(hasPoint({ kind: 'click', at: { x: 1, y: 2 }, button: 'left', clicks: 1 })).toBe(true);
    expect(hasPoint({ kind: 'click', button: 'left', clicks: 1 })).toBe(false);
    expect(hasPoint({ kind: 'move', to: { x: 1, y: 2 } })).toBe(true);
    expect(hasPoint({ kind: 'type', text: 'a' })).toBe(false);
  });
});
