/**
 * Property-based tests over every reply parser: whatever the model writes, parsing never throws,
 * every action it yields is well formed, refused code yields no action, and well-formed code reads
 * back exactly what was written.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CANONICAL_KEYS } from '../../agent/actions/keys.ts';
import { parseReply } from '../../agent/actions/parse.ts';
import type { ModelAction } from '../../agent/protocol/actions.ts';
import type { ParseResult } from '../../agent/actions/types.ts';
import { splitThinking } from '../../models/thinking.ts';
import type { ModelFamily } from '../../models/types.ts';

/** A whole reply as the loop reads it: thinking split off first, then the answer parsed. */
function parseWhole(family: ModelFamily, text: string): ParseResult {
  const { thinking, answer } = splitThinking(text);
  return parseReply(family, answer, { thinking });
}

const FAMILIES: ModelFamily[] = ['kimi', 'pyautogui', 'computer_13', 'uitars'];
const KEYS = new Set(CANONICAL_KEYS);
let cases = 0;

afterAll(() => {
  console.log(`parser properties: ${cases} generated cases run`);
});

function checkAction(a: ModelAction): void {
  const points = [];
  if ((a.kind === 'click' || a.kind === 'scroll' || a.kind === 'mouse_down' || a.kind === 'mouse_up') && a.at) points.push(a.at);
  if (a.kind === 'move') points.push(a.to);
  if (a.kind === 'drag') points.push(...(a.from ? [a.from] : []), a.to);
  for (const p of points) {
    expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
    expect(['relative', 'thousand', 'image', 'screen']).toContain(p.unit);
  }
  if (a.kind === 'press' || a.kind === 'key_down' || a.kind === 'key_up') expect(KEYS.has(a.key)).toBe(true);
  if (a.kind === 'hotkey') for (const k of a.keys) expect(KEYS.has(k)).toBe(true);
  if (a.kind === 'scroll') expect(Number.isFinite(a.dx) && Number.isFinite(a.dy)).toBe(true);
  if (a.kind === 'wait') expect(a.seconds >= 0 && a.seconds <= 60).toBe(true);
}

function checkResult(r: ParseResult): void {
  cases++;
  expect(typeof r.thought).toBe('string');
  expect(Array.isArray(r.actions)).toBe(true);
  if (r.error !== undefined) {
    expect(r.actions).toEqual([]);
    expect(r.error.length).toBeGreaterThan(0);
  }
  r.actions.forEach(checkAction);
}

const anyText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom(...'()[]{}\'"`#\\\n ,=._-:;<>|◁▷/'.split('')), maxLength: 300 }),
);

const validKimi = [
  '◁think▷Click OK.◁/think▷## Action:\nClick OK\n## Code:\n```python\npyautogui.click(x=0.51, y=0.62)\n```',
  "## Thought:\nType.\n## Action:\nType\n## Code:\n```python\npyautogui.write('hello\\n')\npyautogui.hotkey('ctrl', 's')\ncomputer.terminate(status='success', answer='ok')\n```",
];
const validOther: Record<ModelFamily, string> = {
  kimi: validKimi[0],
  pyautogui: "```python\npyautogui.moveTo(100, 200)\npyautogui.dragTo(300, 400, button='left')\npyautogui.scroll(-2)\n```",
  computer_13: '```json\n[{"action_type": "CLICK", "parameters": {"x": 1, "y": 2}}, {"action_type": "HOTKEY", "parameters": {"keys": ["ctrl", "c"]}}]\n```',
  uitars: "Thought: go\nAction: drag(start_box='(10,20)', end_box='<|box_start|>(30,40,50,60)<|box_end|>')",
};

/** Insert, delete or replace characters at random places. */
const mutation = fc.array(
  fc.record({ at: fc.nat(), cut: fc.nat({ max: 4 }), insert: fc.string({ maxLength: 6 }) }),
  { minLength: 1, maxLength: 5 },
);

function mutate(text: string, edits: { at: number; cut: number; insert: string }[]): string {
  let out = text;
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    out = out.slice(0, at) + e.insert + out.slice(at + e.cut);
  }
  return out;
}

describe('every parser survives any input', () => {
  it('arbitrary text, unicode and bracket soup: no throw, well-formed result', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FAMILIES), anyText, (family, text) => {
        checkResult(parseWhole(family, text));
        checkResult(parseWhole(family, '## Code:\n```python\n' + text + '\n```'));
        checkResult(parseWhole(family, 'Action: ' + text));
      }),
      { numRuns: 400 },
    );
  });

  it('mutated valid replies: no throw, well-formed result', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FAMILIES), mutation, (family, edits) => {
        checkResult(parseWhole(family, mutate(validOther[family], edits)));
      }),
      { numRuns: 400 },
    );
  });

  it('deep nesting and huge inputs are refused quickly, not crashed on', () => {
    const started = Date.now();
    for (const family of FAMILIES) {
      for (const depth of [100, 10_000, 60_000]) {
        checkResult(parseWhole(family, '```python\npyautogui.click(' + '['.repeat(depth) + ']'.repeat(depth) + ')\n```'));
        checkResult(parseWhole(family, 'Action: click(start_box=' + '('.repeat(depth)));
        checkResult(parseWhole(family, '{"action_type": "CLICK", "parameters": ' + '['.repeat(depth) + ']'.repeat(depth) + '}'));
      }
      const huge = 'pyautogui.click(1, 2)\n'.repeat(8_000);
      const r = parseWhole(family, '```python\n' + huge + '```');
      checkResult(r);
      checkResult(parseWhole(family, 'x'.repeat(250_000)));
      checkResult(parseWhole(family, '```'.repeat(20_000)));
      // Shapes that make naive scanners quadratic: many labels on one line, many headers, many quotes.
      checkResult(parseWhole(family, 'Action:'.repeat(25_000)));
      checkResult(parseWhole(family, '## Code:\n'.repeat(18_000)));
      checkResult(parseWhole(family, "Action: type(content='" + "' ".repeat(80_000)));
      checkResult(parseWhole(family, '◁think▷'.repeat(20_000)));
      checkResult(parseWhole(family, '```python\npyautogui.write("' + '\\n'.repeat(80_000) + '")\n```'));
    }
    // Linear scanners only: about a second in all here; a quadratic scanner would take minutes.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

const forbidden = fc.constantFrom(
  "os.system('rm -rf ~')", "import os", "import subprocess", "eval('1')", "exec('x=1')", 'x = 1',
  'pyautogui.FAILSAFE = False', 'for i in range(3): pyautogui.click(1, 2)', 'while True: pass',
  "pyautogui.write(f'{open(\"/etc/passwd\").read()}')", "__import__('os').system('ls')",
  "pyautogui.click(*[1, 2])", 'pyautogui.click(a, b)', "open('/tmp/x', 'w').write('y')",
  "pyautogui.screenshot('/tmp/s.png')", 'del pyautogui', 'pyautogui.click(1, 2) or os.abort()',
  'lambda: 0', "getattr(pyautogui, 'click')(1, 2)", 'pyautogui.click.__globals__',
);

const allowedLine = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 })).map(([x, y]) => `pyautogui.click(${x}, ${y})`),
  fc.string({ maxLength: 20 }).map((s) => `pyautogui.write(${JSON.stringify(s)})`),
  fc.constantFrom("pyautogui.press('enter')", "pyautogui.hotkey('ctrl', 'a')", 'pyautogui.scroll(-3)', 'time.sleep(1)'),
);

describe('refused code never yields an action', () => {
  it('one forbidden statement anywhere refuses the whole snippet, naming its line', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ModelFamily>('kimi', 'pyautogui'),
        fc.array(allowedLine, { maxLength: 6 }),
        fc.nat(),
        forbidden,
        (family, lines, at, bad) => {
          const index = at % (lines.length + 1);
          const code = [...lines.slice(0, index), bad, ...lines.slice(index)].join('\n');
          const r = parseReply(family, '## Code:\n```python\n' + code + '\n```');
          checkResult(r);
          expect(r.actions).toEqual([]);
          expect(r.error).toMatch(new RegExp(`^refused line ${index + 1}: `));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('well-formed code reads back exactly', () => {
  // JSON string syntax is a subset of Python string-literal syntax, so JSON.stringify writes Python.
  const text = fc.string({ unit: 'grapheme', maxLength: 40 });
  const action = fc.oneof(
    fc.record({ x: fc.integer({ min: 2, max: 4000 }), y: fc.integer({ min: 2, max: 4000 }), clicks: fc.constantFrom(1, 2, 3), button: fc.constantFrom('left', 'right', 'middle') })
      .map((c) => ({ code: `pyautogui.click(${c.x}, ${c.y}, clicks=${c.clicks}, button=${JSON.stringify(c.button)})`, action: { kind: 'click', at: { x: c.x, y: c.y, unit: 'screen' }, button: c.button, clicks: c.clicks } })),
    fc.record({ x: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.double({ min: 0, max: 1, noNaN: true }) })
      .map((p) => ({ code: `pyautogui.moveTo(x=${p.x}, y=${p.y})`, action: { kind: 'move', to: { x: p.x, y: p.y, unit: 'relative' } } })),
    text.filter((t) => t.length > 0).map((t) => ({ code: `pyautogui.typewrite(${JSON.stringify(t)}, interval=0.01)`, action: { kind: 'type', text: t } })),
    fc.integer({ min: -50, max: 50 }).map((n) => ({ code: `pyautogui.scroll(${n})`, action: { kind: 'scroll', dx: 0, dy: -n } })),
    fc.integer({ min: -50, max: 50 }).map((n) => ({ code: `pyautogui.hscroll(clicks=${n})`, action: { kind: 'scroll', dx: n, dy: 0 } })),
    fc.array(fc.constantFrom(...CANONICAL_KEYS), { minLength: 1, maxLength: 4 }).map((keys) => ({ code: `pyautogui.hotkey(${keys.map((k) => JSON.stringify(k)).join(', ')})`, action: { kind: 'hotkey', keys } })),
  );

  it('random pyautogui programs parse to the actions they encode (kimi units)', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 8 }), (items) => {
        const r = parseReply('kimi', '## Action:\nDo it\n## Code:\n```python\nimport pyautogui\n' + items.map((i) => i.code).join('\n') + '\n```');
        checkResult(r);
        expect(r.error).toBeUndefined();
        expect(r.actions).toEqual(items.map((i) => i.action));
      }),
      { numRuns: 400 },
    );
  });

  it('random computer_13 JSON parses to the actions it encodes', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ x: fc.integer({ min: 0, max: 5000 }), y: fc.integer({ min: 0, max: 5000 }), text: text }), { minLength: 1, maxLength: 5 }), (items) => {
        const json = JSON.stringify(items.flatMap((i) => [
          { action_type: 'MOVE_TO', parameters: { x: i.x, y: i.y } },
          { action_type: 'TYPING', parameters: { text: i.text } },
        ]));
        const r = parseReply('computer_13', json);
        checkResult(r);
        expect(r.actions).toEqual(items.flatMap((i) => [{ kind: 'move', to: { x: i.x, y: i.y, unit: 'screen' } }, { kind: 'type', text: i.text }]));
      }),
      { numRuns: 300 },
    );
  });

  it('random UI-TARS boxes parse to their centre', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 4, maxLength: 4 }), fc.boolean(), ([x1, y1, x2, y2], wrapped) => {
        const box = `(${x1},${y1},${x2},${y2})`;
        const r = parseReply('uitars', `Thought: t\nAction: click(start_box='${wrapped ? `<|box_start|>${box}<|box_end|>` : box}')`);
        checkResult(r);
        expect(r.actions).toEqual([{ kind: 'click', at: { x: (x1 + x2) / 2, y: (y1 + y2) / 2, unit: 'thousand' }, button: 'left', clicks: 1 }]);
      }),
      { numRuns: 300 },
    );
  });
});
