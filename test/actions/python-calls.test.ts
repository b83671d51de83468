import { describe, expect, it } from 'vitest';
import { parsePythonCalls } from '../../agent/actions/python-calls.ts';

const rules = {
  calls: new Set(['pyautogui.click', 'pyautogui.write', 'pyautogui.hotkey', 'time.sleep']),
  modules: new Set(['pyautogui', 'time']),
};

function calls(code: string) {
  const r = parsePythonCalls(code, rules);
  if (!r.ok) throw new Error(r.error);
  return r.calls;
}

function refusal(code: string): string {
  const r = parsePythonCalls(code, rules);
  if (r.ok) throw new Error(`accepted: ${code}`);
  return r.error;
}

describe('parsePythonCalls: literals', () => {
  it('reads numbers, keywords and the Python constants', () => {
    const [c] = calls('pyautogui.click(-12, +3.5e1, x=0x10, y=1_000, button=None, flag=True, other=False)');
    expect(c.args).toEqual([-12, 35]);
    expect(c.kwargs).toEqual({ x: 16, y: 1000, button: null, flag: true, other: false });
  });

  it('reads every string escape form, raw strings, triple quotes and implicit concatenation', () => {
    const code = [
      String.raw`pyautogui.write('a\nb\t\'q\' \\ \x41\u00e9\U0001F600\101')`,
      String.raw`pyautogui.write(r'C:\new\table')`,
      `pyautogui.write("""first\nsecond 'quoted' "x" """)`,
      `pyautogui.write('ab' "cd"\n  'ef')`.replace('\n  ', ' '),
      String.raw`pyautogui.write('unknown \d escape')`,
      `pyautogui.write(f'braces {{kept}}')`,
    ].join('\n');
    expect(calls(code).map((c) => c.args[0])).toEqual([
      "a\nb\t'q' \\ Aé😀A",
      'C:\\new\\table',
      `first\nsecond 'quoted' "x" `,
      'abcdef',
      'unknown \\d escape',
      'braces {kept}',
    ]);
  });

  it('reads lists, tuples, a parenthesised value, comments, imports, blank lines and semicolons', () => {
    const code = `import pyautogui, time  # setup\n\n# a comment\npyautogui.hotkey(*[]) if False else None`;
    expect(refusal(code)).toMatch(/^refused line 4: argument unpacking is not allowed/);
    const ok = calls(`import pyautogui\npyautogui.hotkey(['ctrl', ('c')], (1, 2), []); time.sleep(0.5)\n`);
    expect(ok.map((c) => [c.name, c.args, c.line])).toEqual([
      ['pyautogui.hotkey', [['ctrl', 'c'], [1, 2], []], 2],
      ['time.sleep', [0.5], 2],
    ]);
  });

  it('continues statements inside brackets and after a backslash', () => {
    const ok = calls('pyautogui.click(\n  100,\n  200)\npyautogui.click(1, \\\n 2)');
    expect(ok.map((c) => [c.args, c.line])).toEqual([[[100, 200], 1], [[1, 2], 4]]);
  });
});

describe('parsePythonCalls: refusals name the line and what is allowed', () => {
  it.each([
    ["import os\nos.system('ls')", /^refused line 1: import os is not allowed/],
    ["pyautogui.click(1, 2)\nos.system('rm -rf ~')", /^refused line 2: os\.system\(\.\.\.\) is not an allowed call; allowed: pyautogui\.\(click, write, hotkey\), time\.sleep$/],
    ["eval('1+1')", /^refused line 1: eval\(\.\.\.\) is not an allowed call/],
    ['x = 5', /^refused line 1: x = 5 is not a call/],
    ['pyautogui.FAILSAFE = False', /^refused line 1: pyautogui\.FAILSAFE = False is not a call/],
    ['for i in range(3):\n    pyautogui.click(1, 2)', /^refused line 1: for i in range\(3\): is not a call/],
    ['pyautogui.click(x, 2)', /^refused line 1: argument x of pyautogui\.click\(\.\.\.\) is not a literal/],
    ['pyautogui.click(1 + 2, 3)', /^refused line 1: arguments of pyautogui\.click\(\.\.\.\) must be literal values/],
    ["pyautogui.write(f'{__import__(\"os\")}')", /f-strings with expressions are not allowed/],
    ['pyautogui.click(1, 2).real', /only one call per statement/],
    ['__import__("os").system("ls")', /__import__\(\.\.\.\) is not an allowed call/],
    ["pyautogui.write(b'x')", /bytes literals are not allowed/],
    ["pyautogui.write('open", /unterminated string/],
    ['pyautogui.click(1, 2', /missing '\)'/],
    ['from os import system', /from \.\.\. import is not allowed/],
    ['import pyautogui as p', /import \.\.\. as is not allowed/],
    ['pyautogui.click(1j, 2)', /complex number/],
    ['pyautogui.click(1e999, 2)', /out of range/],
    ['pyautogui.click(x=1, x=2)', /repeated/],
    ['lambda: pyautogui.click(1, 2)', /is not a call/],
    ['pyautogui.click(' + '['.repeat(40) + ']'.repeat(40) + ')', /nested deeper than 16/],
    ["pyautogui.write(\"$' $& $`\") + 1", /^refused line 1: only one call per statement is allowed \(pyautogui\.write\("\$' \$& \$`"\) \+ 1\)$/],
  ])('%j', (code, message) => {
    expect(refusal(code)).toMatch(message);
  });
});
