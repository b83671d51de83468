import { describe, expect, it } from 'vitest';
import { parseReply } from '../../agent/actions/parse.ts';
import { splitThinking } from '../../models/thinking.ts';

describe('parseReply kimi', () => {
  it('reads an Instruct reply: thought, summary and relative coordinates from the last code block', () => {
    const reply = [
      '## Thought:',
      'The Chrome window is open. To change the search engine I need the settings; an example would be',
      '```python',
      'pyautogui.click(x=0.9, y=0.9)',
      '```',
      'but the menu button is at the top right.',
      '',
      '## Action:',
      'Click the three-dot menu button in the top right corner of Chrome.',
      '',
      '## Code:',
      '```python',
      'pyautogui.click(x=0.9867, y=0.0694)',
      '```',
    ].join('\n');
    const r = parseReply('kimi', reply);
    expect(r.error).toBeUndefined();
    expect(r.thought).toMatch(/^The Chrome window is open\./);
    expect(r.summary).toBe('Click the three-dot menu button in the top right corner of Chrome.');
    expect(r.actions).toEqual([{ kind: 'click', at: { x: 0.9867, y: 0.0694, unit: 'relative' }, button: 'left', clicks: 1 }]);
  });

  it('reads a thinking reply: the think block is the thought; pixels stay screen pixels', () => {
    const reply = '◁think▷The save dialog is open, I type the name then press enter.◁/think▷## Action:\nType the file name.\n## Code:\n```python\npyautogui.click(640, 400)\npyautogui.write(\'report.txt\')\npyautogui.press(\'enter\')\n```';
    const { thinking, answer } = splitThinking(reply);
    const r = parseReply('kimi', answer, { thinking });
    expect(r.thought).toBe('The save dialog is open, I type the name then press enter.');
    expect(r.actions).toEqual([
      { kind: 'click', at: { x: 640, y: 400, unit: 'screen' }, button: 'left', clicks: 1 },
      { kind: 'type', text: 'report.txt' },
      { kind: 'press', key: 'enter', presses: 1 },
    ]);
  });

  it('returns the code it ran, and takes the prose as the thought when there are no sections', () => {
    const r = parseReply('kimi', 'The dialog asks to confirm, so I press OK.\n```python\npyautogui.click(0.5, 0.6)\n```');
    expect(r.thought).toBe('The dialog asks to confirm, so I press OK.');
    expect(r.code).toBe('pyautogui.click(0.5, 0.6)');
    expect(parseReply('uitars', "Thought: t\nAction: wait()").code).toBe('wait()');
    expect(parseReply('pyautogui', 'DONE').code).toBe('DONE');
  });

  it('reads computer.wait and computer.terminate', () => {
    expect(parseReply('kimi', '## Code:\n```python\ncomputer.wait()\n```', { waitSeconds: 2 }).actions).toEqual([{ kind: 'wait', seconds: 2 }]);
    expect(parseReply('kimi', "## Code:\n```python\ncomputer.terminate(status='success', answer='42')\n```").actions).toEqual([{ kind: 'done', answer: '42' }]);
    expect(parseReply('kimi', "## Code:\n```python\ncomputer.terminate(status='failure')\n```").actions).toEqual([{ kind: 'fail' }]);
    expect(parseReply('kimi', "## Code:\n```python\ncomputer.terminate(status='maybe')\n```").error).toMatch(/status must be 'success' or 'failure'/);
  });

  it('applies pyautogui scroll, hotkey, press and drag semantics', () => {
    const code = [
      'pyautogui.scroll(5)', 'pyautogui.scroll(-3, x=0.5, y=0.5)', 'pyautogui.hscroll(2)',
      "pyautogui.hotkey('Ctrl', 'Shift', 'T')", "pyautogui.press('pgdn', presses=3)", "pyautogui.press(['tab', 'tab'])",
      'pyautogui.doubleClick(0.1, 0.2)', "pyautogui.click(0.1, 0.2, button='right')", 'pyautogui.tripleClick(x=30, y=40)',
      'pyautogui.moveTo(0.2, 0.2)', "pyautogui.dragTo(0.4, 0.3, duration=0.5, button='left')",
      'pyautogui.mouseDown(button="middle")', 'pyautogui.mouseUp()', "pyautogui.keyDown('shift')", "pyautogui.keyUp('shift')",
      "pyautogui.typewrite(['a', 'enter'])", 'time.sleep(1.5)',
    ].join('\n');
    const r = parseReply('kimi', '## Code:\n```python\n' + code + '\n```');
    expect(r.error).toBeUndefined();
    const rel = (x: number, y: number) => ({ x, y, unit: 'relative' });
    expect(r.actions).toEqual([
      { kind: 'scroll', dx: 0, dy: -5 },
      { kind: 'scroll', at: rel(0.5, 0.5), dx: 0, dy: 3 },
      { kind: 'scroll', dx: 2, dy: 0 },
      { kind: 'hotkey', keys: ['ctrl', 'shift', 'T'] },
      { kind: 'press', key: 'pagedown', presses: 3 },
      { kind: 'press', key: 'tab', presses: 1 },
      { kind: 'press', key: 'tab', presses: 1 },
      { kind: 'click', at: rel(0.1, 0.2), button: 'left', clicks: 2 },
      { kind: 'click', at: rel(0.1, 0.2), button: 'right', clicks: 1 },
      { kind: 'click', at: { x: 30, y: 40, unit: 'screen' }, button: 'left', clicks: 3 },
      { kind: 'move', to: rel(0.2, 0.2) },
      { kind: 'drag', from: rel(0.2, 0.2), to: rel(0.4, 0.3), button: 'left' },
      { kind: 'mouse_down', button: 'middle' },
      { kind: 'mouse_up', button: 'left' },
      { kind: 'key_down', key: 'shift' },
      { kind: 'key_up', key: 'shift' },
      { kind: 'press', key: 'a', presses: 1 },
      { kind: 'press', key: 'enter', presses: 1 },
      { kind: 'wait', seconds: 1.5 },
    ]);
  });

  it('resolves relative moves against the last point of the same snippet, and refuses them otherwise', () => {
    const ok = parseReply('kimi', '```python\npyautogui.moveTo(500, 300)\npyautogui.moveRel(20, -10)\npyautogui.dragRel(0, 50)\n```');
    expect(ok.actions).toEqual([
      { kind: 'move', to: { x: 500, y: 300, unit: 'screen' } },
      { kind: 'move', to: { x: 520, y: 290, unit: 'screen' } },
      { kind: 'drag', from: { x: 520, y: 290, unit: 'screen' }, to: { x: 520, y: 340, unit: 'screen' }, button: 'left' },
    ]);
    const refused = parseReply('kimi', '```python\npyautogui.moveRel(20, -10)\n```');
    expect(refused.actions).toEqual([]);
    expect(refused.error).toMatch(/^refused line 1: moveRel\(\): a relative move needs a known pointer position/);
    expect(parseReply('kimi', '```python\npyautogui.moveTo(0.5, 0.5)\npyautogui.moveRel(30, 0)\n```').error).toMatch(/relative units/);
  });

  it('refuses the whole snippet when one line is not allowed, and says why', () => {
    const r = parseReply('kimi', "## Code:\n```python\npyautogui.click(0.5, 0.5)\nimport subprocess\nsubprocess.run(['rm', '-rf', '/'])\n```");
    expect(r.actions).toEqual([]);
    expect(r.error).toBe('refused line 2: import subprocess is not allowed; only: import pyautogui, time');
  });

  it('explains a missing code block, an unfinished thought and a bad key', () => {
    expect(parseReply('kimi', '## Thought:\nI am not sure.').error).toMatch(/^no code found/);
    expect(parseReply('kimi', splitThinking('◁think▷I keep thinking and').answer, { thinking: 'I keep thinking and' }).error).toMatch(/still thinking/);
    expect(parseReply('kimi', '', { thinking: 'I thought, then wrote nothing' })).toMatchObject({ thought: 'I thought, then wrote nothing', error: expect.stringMatching(/nothing after ◁\/think▷/) });
    expect(parseReply('kimi', "```python\npyautogui.press('hyperdrive')\n```").error).toMatch(/press\(\): unknown key name "hyperdrive"/);
    expect(parseReply('kimi', '```python\npyautogui.click(5, 6, clicks=7)\n```').error).toMatch(/clicks must be 1, 2 or 3, got 7/);
  });
});

describe('parseReply pyautogui (OSWorld)', () => {
  it('reads the special codes exactly', () => {
    expect(parseReply('pyautogui', 'WAIT', { waitSeconds: 1 }).actions).toEqual([{ kind: 'wait', seconds: 1 }]);
    expect(parseReply('pyautogui', ' DONE\n').actions).toEqual([{ kind: 'done' }]);
    expect(parseReply('pyautogui', 'FAIL').actions).toEqual([{ kind: 'fail' }]);
    expect(parseReply('pyautogui', 'done').error).toMatch(/refused line 1/);
  });

  it('runs every fenced block in order with screen units, keeping the prose as the thought', () => {
    const r = parseReply('pyautogui', "I open the terminal.\n```python\nimport pyautogui\npyautogui.hotkey('ctrl', 'alt', 't')\n```\nThen wait.\n```\nWAIT\n```");
    expect(r.thought).toBe('I open the terminal.\n\nThen wait.');
    expect(r.actions).toEqual([{ kind: 'hotkey', keys: ['ctrl', 'alt', 't'] }, { kind: 'wait', seconds: 3 }]);
  });

  it('reads bare code and refuses computer.* calls that only Kimi has', () => {
    expect(parseReply('pyautogui', 'pyautogui.click(960, 540)').actions).toEqual([{ kind: 'click', at: { x: 960, y: 540, unit: 'screen' }, button: 'left', clicks: 1 }]);
    expect(parseReply('pyautogui', 'pyautogui.click(0.5, 0.5)').actions[0]).toMatchObject({ at: { unit: 'screen' } });
    expect(parseReply('pyautogui', '```python\ncomputer.wait()\n```').error).toMatch(/computer\.wait\(\.\.\.\) is not an allowed call/);
  });
});

describe('parseReply computer_13', () => {
  it('reads one action, a list, and the special codes', () => {
    const r = parseReply('computer_13', '```json\n[{"action_type": "CLICK", "parameters": {"x": 10, "y": 20, "button": "right", "num_clicks": 2}},\n {"action_type": "TYPING", "parameters": {"text": "hi"}},\n {"action_type": "HOTKEY", "parameters": {"keys": ["ctrl", "s"]}},\n {"action_type": "SCROLL", "parameters": {"dx": -2, "dy": -4}},\n {"action_type": "DONE"}]\n```');
    expect(r.error).toBeUndefined();
    expect(r.actions).toEqual([
      { kind: 'click', at: { x: 10, y: 20, unit: 'screen' }, button: 'right', clicks: 2 },
      { kind: 'type', text: 'hi' },
      { kind: 'hotkey', keys: ['ctrl', 's'] },
      { kind: 'scroll', dx: -2, dy: 4 },
      { kind: 'done' },
    ]);
    expect(parseReply('computer_13', '{"action_type": "DRAG_TO", "parameters": {"x": 5, "y": 6}}').actions).toEqual([{ kind: 'drag', to: { x: 5, y: 6, unit: 'screen' }, button: 'left' }]);
    expect(parseReply('computer_13', 'FAIL').actions).toEqual([{ kind: 'fail' }]);
  });

  it('names the action, field and value that are wrong', () => {
    expect(parseReply('computer_13', '{"action_type": "CLICK", "parameters": {"x": 1}}').error).toBe('action 1: CLICK.parameters.y must be a number, got nothing');
    expect(parseReply('computer_13', '{"action_type": "EXPLODE"}').error).toMatch(/action_type "EXPLODE" is unknown; use one of MOVE_TO/);
    expect(parseReply('computer_13', '{"action_type": "PRESS", "parameters": {"key": "hyper"}}').error).toMatch(/PRESS\.parameters\.key: unknown key name "hyper"/);
    expect(parseReply('computer_13', 'click at 10, 20').error).toMatch(/^invalid JSON/);
  });
});

describe('parseReply uitars', () => {
  it('reads clicks in every box form, as thousandths by default and image pixels on request', () => {
    const reply = (a: string) => `Thought: The OK button confirms the dialog.\nAction: ${a}`;
    expect(parseReply('uitars', reply("click(start_box='(235,512)')")).actions).toEqual([{ kind: 'click', at: { x: 235, y: 512, unit: 'thousand' }, button: 'left', clicks: 1 }]);
    expect(parseReply('uitars', reply("left_double(start_box='<|box_start|>(10,20)<|box_end|>')"), { uitarsUnit: 'image' }).actions).toEqual([{ kind: 'click', at: { x: 10, y: 20, unit: 'image' }, button: 'left', clicks: 2 }]);
    expect(parseReply('uitars', reply("right_single(start_box='(100,200,300,400)')")).actions[0]).toMatchObject({ at: { x: 200, y: 300 }, button: 'right' });
    expect(parseReply('uitars', reply("click(point='<point>7 9</point>')")).actions[0]).toMatchObject({ at: { x: 7, y: 9 } });
    expect(parseReply('uitars', reply("click(start_box='(235,512)')")).thought).toBe('The OK button confirms the dialog.');
  });

  it('reads type with a trailing newline as type + Enter, hotkeys, scroll, drag and the end actions', () => {
    const r = parseReply('uitars', "Thought: search\nAction: type(content='weather in Paris\\n')");
    expect(r.actions).toEqual([{ kind: 'type', text: 'weather in Paris' }, { kind: 'press', key: 'enter', presses: 1 }]);
    expect(parseReply('uitars', "Action: type(content='it's fine')").actions).toEqual([{ kind: 'type', text: "it's fine" }]);
    expect(parseReply('uitars', "Action: hotkey(key='ctrl c')").actions).toEqual([{ kind: 'hotkey', keys: ['ctrl', 'c'] }]);
    expect(parseReply('uitars', "Action: hotkey(key='Enter')").actions).toEqual([{ kind: 'press', key: 'enter', presses: 1 }]);
    expect(parseReply('uitars', "Action: scroll(start_box='(500,500)', direction='up')", { scrollClicks: 3 }).actions).toEqual([{ kind: 'scroll', at: { x: 500, y: 500, unit: 'thousand' }, dx: 0, dy: -3 }]);
    expect(parseReply('uitars', "Action: scroll(direction='right')").actions).toEqual([{ kind: 'scroll', at: undefined, dx: 5, dy: 0 }]);
    expect(parseReply('uitars', "Action: drag(start_box='(1,2)', end_box='(3,4)')").actions).toEqual([{ kind: 'drag', from: { x: 1, y: 2, unit: 'thousand' }, to: { x: 3, y: 4, unit: 'thousand' }, button: 'left' }]);
    expect(parseReply('uitars', 'Action: wait()').actions).toEqual([{ kind: 'wait', seconds: 5 }]);
    expect(parseReply('uitars', "Action: finished(content='Done: 3 files')").actions).toEqual([{ kind: 'done', answer: 'Done: 3 files' }]);
    expect(parseReply('uitars', 'Action: call_user()').actions).toEqual([{ kind: 'call_user', question: undefined }]);
  });

  it('explains bad directions, boxes and missing actions', () => {
    expect(parseReply('uitars', "Action: scroll(direction='sideways')").error).toMatch(/direction must be/);
    expect(parseReply('uitars', "Action: click(start_box='(1,2,3)')").error).toMatch(/needs 2 or 4 numbers, got 3/);
    expect(parseReply('uitars', 'Thought: hmm').error).toMatch(/^no action found/);
    expect(parseReply('uitars', "Action: open_app(name='x')").error).toMatch(/open_app\(\.\.\.\) is not an allowed call; allowed: click, left_single/);
  });
});

describe('parseReply pixelUnit', () => {
  it('reads pyautogui and computer_13 pixels as resized-image pixels when asked', () => {
    expect(parseReply('pyautogui', 'pyautogui.click(10, 20)', { pixelUnit: 'image' }).actions[0]).toMatchObject({ at: { x: 10, y: 20, unit: 'image' } });
    expect(parseReply('computer_13', '{"action_type": "MOVE_TO", "parameters": {"x": 1, "y": 2}}', { pixelUnit: 'image' }).actions[0]).toEqual({ kind: 'move', to: { x: 1, y: 2, unit: 'image' } });
  });
});
