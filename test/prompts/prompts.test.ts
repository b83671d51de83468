import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { createRgbImage, type RgbImage } from '../../models/image.ts';
import type { ChatMessage, ChatRequest, ContentPart } from '../../models/types.ts';
import { buildPrompt, type PromptInput, type PromptStep } from '../../agent/prompts/index.ts';
import { kimiInstructionText } from '../../agent/prompts/kimi.ts';
import { OSWORLD_QUESTION } from '../../agent/prompts/osworld.ts';
import { join } from 'node:path';
import { KIMI_DATA_DIR } from '../support/shared-data.ts';

const current = createRgbImage(8, 6);
const shots = Array.from({ length: 5 }, (_, i) => createRgbImage(8 + i, 6));

function steps(n: number): PromptStep[] {
  return Array.from({ length: n }, (_, i) => ({
    image: shots[i],
    raw: `## Thought:\nthought ${i + 1}\n## Action:\naction ${i + 1}\n## Code:\n\`\`\`python\npyautogui.click(0.${i + 1}, 0.5)\n\`\`\``,
    thought: `thought ${i + 1}`,
    summary: `action ${i + 1}`,
    code: `pyautogui.click(0.${i + 1}, 0.5)`,
    feedback: `feedback ${i + 1}`,
  }));
}

const input = (over: Partial<PromptInput>): PromptInput => ({ family: 'kimi', instruction: 'Open the file menu.', image: current, history: [], ...over });

const images = (m: ChatMessage): RgbImage[] =>
  typeof m.content === 'string' ? [] : m.content.filter((p): p is Extract<ContentPart, { type: 'image' }> => p.type === 'image').map((p) => p.image);
const text = (m: ChatMessage): string =>
  typeof m.content === 'string' ? m.content : m.content.filter((p): p is Extract<ContentPart, { type: 'text' }> => p.type === 'text').map((p) => p.text).join('');

describe('Kimi prompt', () => {
  it('first step: system prompt with the reply format, then the screenshot and the task instruction', () => {
    const r = buildPrompt(input({}));
    expect(r.messages.map((m) => m.role)).toEqual(['system', 'user']);
    const system = text(r.messages[0]);
    for (const s of ['You are a GUI agent.', '## Thought:', '## Action:', '## Code:', '```python', 'computer.wait()', "computer.terminate(status='success', answer='...')", "computer.terminate(status='failure')", 'between 0 and 1']) {
      expect(system).toContain(s);
    }
    expect(images(r.messages[1])).toEqual([current]);
    expect(text(r.messages[1])).toBe(
      '# Task Instruction:\nOpen the file menu.\n\nPlease generate the next move according to the screenshot, task instruction and previous steps (if provided).\n',
    );
    expect(r.sampling?.thinking).toBe(false);
  });

  it('keeps screenshots for the last 3 steps, collapses older ones to text, and routes each feedback to the next user turn', () => {
    const r = buildPrompt(input({ history: steps(5), feedback: 'The screen did not change.' }));
    const m = r.messages;
    expect(m.map((x) => x.role)).toEqual(['system', 'assistant', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
    // Older steps 1-2: text only, no images.
    expect(m[1].content).toBe('# Step 1:\n## Thought:\nthought 1\n\n## Action:\naction 1\n\n# Feedback:\nfeedback 1\n');
    expect(m[2].content).toBe('# Step 2:\n## Thought:\nthought 2\n\n## Action:\naction 2\n');
    // Steps 3-5 keep their screenshots; each user turn carries the previous step's feedback.
    expect(m.flatMap(images)).toEqual([shots[2], shots[3], shots[4], current]);
    expect(text(m[3])).toBe('# Feedback on the previous step:\nfeedback 2\n');
    expect(m[4].content).toBe('# Step 3:\n## Thought:\nthought 3\n\n## Action:\naction 3\n');
    expect(text(m[5])).toContain('feedback 3');
    expect(text(m[7])).toContain('feedback 4');
    // The current turn: instruction, then the last step's feedback and the loop's note.
    expect(text(m[9])).toBe(kimiInstructionText('Open the file menu.') + '\n# Feedback on the previous step:\nfeedback 5\nThe screen did not change.\n');
    for (let i = 1; i <= 5; i++) expect(m.map(text).join('\n').split(`feedback ${i}\n`).length - 1).toBe(1);
  });

  it('thinking variant: no written Thought section, think blocks for kept steps, only actions for older ones', () => {
    const r = buildPrompt(input({ history: steps(4), thinking: true }));
    const system = text(r.messages[0]);
    expect(system).not.toContain('## Thought');
    expect(system).toContain('## Action:');
    // Step 1 is followed by a kept step, so its feedback goes to that step's user turn instead.
    expect(r.messages[1].content).toBe('# Step 1:\n## Action:\naction 1\n');
    expect(r.messages.find((x) => x.role === 'assistant' && text(x).startsWith('◁think▷'))?.content).toBe('◁think▷thought 2◁/think▷## Action:\naction 2\n');
    expect(r.messages.map(text).join('')).not.toContain('thought 1');
    expect(r.sampling?.thinking).toBe(true);
  });

  it('renders through the real Kimi chat template into the documented token layout', () => {
    const template = new Template(readFileSync(join(KIMI_DATA_DIR, 'chat_template.jinja'), 'utf8'));
    const r = buildPrompt(input({ history: steps(1) }));
    const rendered = template.render({ messages: forTemplate(r), add_generation_prompt: true });
    const media = '<|media_start|>image<|media_content|><|media_pad|><|media_end|>';
    expect(rendered.startsWith('<|im_system|>system<|im_middle|>You are a GUI agent.')).toBe(true);
    expect(rendered.endsWith(
      `<|im_user|>user<|im_middle|>${media}<|im_end|>` +
        '<|im_assistant|>assistant<|im_middle|># Step 1:\n## Thought:\nthought 1\n\n## Action:\naction 1\n<|im_end|>' +
        `<|im_user|>user<|im_middle|>${media}${kimiInstructionText('Open the file menu.')}\n# Feedback on the previous step:\nfeedback 1\n<|im_end|>` +
        '<|im_assistant|>assistant<|im_middle|>',
    )).toBe(true);
    expect(rendered.split('<|media_pad|>').length - 1).toBe(2);
  });

  it('stable history: screenshots pile up to the limit, then all go at once; between drops each prompt extends the one before', () => {
    const long = (n: number): PromptStep[] => steps(5).concat(steps(5)).slice(0, n).map((s, i) => ({ ...s, image: shots[i % 5], feedback: `feedback ${i + 1}` }));
    // Step n's screenshot is the one its history entry keeps afterwards.
    const prompts = Array.from({ length: 9 }, (_, n) => buildPrompt(input({ image: shots[n % 5], history: long(n), keepImages: 3, historyMode: 'stable' })).messages);
    expect(prompts.map((m) => m.flatMap(images).length - 1)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0]);
    for (let n = 0; n + 1 < prompts.length; n++) {
      if ((n + 1) % 4 === 0) continue; // a drop
      const [before, after] = [prompts[n], prompts[n + 1]];
      // Everything but the current turn comes back unchanged, and the current screenshot opens the next prompt's turn at the same place.
      expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
      expect(images(after[before.length - 1])).toEqual(images(before.at(-1)!));
    }
    // Sliding (the default) keeps the last 3 every time.
    expect(Array.from({ length: 9 }, (_, n) => buildPrompt(input({ history: long(n), keepImages: 3 })).messages.flatMap(images).length - 1)).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 3]);
  });

  it('refuses an empty instruction', () => {
    expect(() => buildPrompt(input({ instruction: '  ' }))).toThrow(/instruction is empty/);
  });
});

/** The template reads images as {type: 'image'}; pixels never enter the text. */
function forTemplate(r: ChatRequest) {
  return r.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'image' ? { type: 'image' } : p)),
  }));
}

describe('UI-TARS prompt', () => {
  it('puts the action space and instruction in the first user turn and keeps the last 5 screenshots', () => {
    const history = [...steps(5), ...steps(2)].map((s, i) => ({ ...s, answer: `Thought: t${i + 1}\nAction: click(start_box='(1,2)')` }));
    const r = buildPrompt(input({ family: 'uitars', history }));
    const first = text(r.messages[0]);
    expect(r.messages[0].role).toBe('user');
    for (const s of ["click(start_box='<|box_start|>(x1,y1)<|box_end|>')", "hotkey(key='ctrl c')", "type(content='xxx')", 'finished(content=', 'call_user()', 'from 0 to 1000', '## User Instruction\nOpen the file menu.']) {
      expect(first).toContain(s);
    }
    expect(r.messages.flatMap(images)).toHaveLength(6);
    expect(r.messages.filter((m) => m.role === 'assistant').map(text)[0]).toBe("Thought: t1\nAction: click(start_box='(1,2)')\n\n# Feedback:\nfeedback 1\n");
    expect(text(r.messages.at(-1)!)).toContain('feedback 2');
    expect(text(buildPrompt(input({ family: 'uitars', coordinates: 'image' })).messages[0])).toContain('pixels of the screenshot');
  });
});

describe('OSWorld pyautogui and computer_13 prompts', () => {
  it('state the task, the screen size and the special codes; history turns ask the standard question', () => {
    const r = buildPrompt(input({ family: 'pyautogui', history: steps(4), screen: { width: 1920, height: 1080 } }));
    const system = text(r.messages[0]);
    expect(system).toContain('You are asked to complete the following task: Open the file menu.');
    expect(system).toContain('1920x1080 pixels');
    for (const code of ['WAIT', 'FAIL', 'DONE']) expect(system).toContain(code);
    expect(r.messages.flatMap(images)).toEqual([shots[1], shots[2], shots[3], current]);
    expect(text(r.messages[1])).toBe('# Step 1 (screenshot omitted):\npyautogui.click(0.1, 0.5)\n');
    expect(text(r.messages.at(-1)!)).toBe(`${OSWORLD_QUESTION}\n\n# Feedback on the previous step:\nfeedback 4\n`);

    const c = buildPrompt(input({ family: 'computer_13' }));
    for (const s of ['"action_type"', 'CLICK', 'SCROLL', 'positive dy scrolls up', 'HOTKEY', '8x6 pixels']) expect(text(c.messages[0])).toContain(s);
  });
});
