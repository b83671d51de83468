import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KimiChatTemplate } from '../../models/kimi/chat-template.ts';
import { KimiTokenizer } from '../../models/kimi/tokenizer.ts';
import { createRgbImage } from '../../models/image.ts';
import { KIMI_DATA_DIR, KIMI_TOKENIZER_DIR } from '../support/shared-data.ts';

const template = KimiChatTemplate.fromFile(join(KIMI_DATA_DIR, 'chat_template.jinja'));

// Expected strings are assembled here from the template's rules, not by running it.
const DEFAULT_SYSTEM = '<|im_system|>system<|im_middle|>You are a helpful assistant<|im_end|>';
const user = (body: string): string => `<|im_user|>user<|im_middle|>${body}<|im_end|>`;
const assistant = (body: string): string => `<|im_assistant|>assistant<|im_middle|>${body}<|im_end|>`;
const system = (body: string): string => `<|im_system|>system<|im_middle|>${body}<|im_end|>`;
const IMAGE = '<|media_start|>image<|media_content|><|media_pad|><|media_end|>';
const GEN = '<|im_assistant|>assistant<|im_middle|>';

describe('Kimi chat template (the real chat_template.jinja)', () => {
  it('renders the documented single-image prompt byte for byte', () => {
    const img = createRgbImage(4, 4);
    const out = template.render(
      [{ role: 'user', content: [{ type: 'image', image: img }, { type: 'text', text: 'TEXT' }] }],
      { addGenerationPrompt: true },
    );
    expect(out.text).toBe(
      '<|im_system|>system<|im_middle|>You are a helpful assistant<|im_end|>' +
        '<|im_user|>user<|im_middle|><|media_start|>image<|media_content|><|media_pad|><|media_end|>TEXT<|im_end|>' +
        '<|im_assistant|>assistant<|im_middle|>',
    );
    expect(out.images).toEqual([img]);
  });

  it('uses a given system prompt instead of the default one', () => {
    const out = template.render(
      [
        { role: 'system', content: 'You are a GUI agent.' },
        { role: 'user', content: 'Open the file menu.' },
      ],
      { addGenerationPrompt: true },
    );
    expect(out.text).toBe(system('You are a GUI agent.') + user('Open the file menu.') + GEN);
    expect(out.images).toEqual([]);
  });

  it('renders a multi-turn, multi-image conversation in order, without a generation prompt', () => {
    const a = createRgbImage(2, 2);
    const b = createRgbImage(3, 3);
    const out = template.render([
      { role: 'user', content: [{ type: 'text', text: 'Before: ' }, { type: 'image', image: a }] },
      { role: 'assistant', content: 'Clicked.\n' },
      { role: 'user', content: [{ type: 'image', image: b }, { type: 'text', text: 'and now?' }, { type: 'text', text: ' (2)' }] },
    ]);
    expect(out.text).toBe(
      DEFAULT_SYSTEM + user(`Before: ${IMAGE}`) + assistant('Clicked.\n') + user(`${IMAGE}and now? (2)`),
    );
    expect(out.images).toEqual([a, b]);
  });

  it('strips earlier thinking from assistant turns only when asked', () => {
    const messages = [
      { role: 'user' as const, content: 'q' },
      { role: 'assistant' as const, content: '◁think▷long\nthought◁/think▷## Action:\nclick' },
      { role: 'user' as const, content: '◁think▷kept◁/think▷' },
    ];
    expect(template.render(messages, { stripThinking: true }).text).toBe(
      DEFAULT_SYSTEM + user('q') + assistant('## Action:\nclick') + user('◁think▷kept◁/think▷'),
    );
    expect(template.render(messages).text).toContain('◁think▷long\nthought◁/think▷');
  });

  it('tokenizes to one <|media_pad|> per image and the expected special ids', () => {
    const tok = KimiTokenizer.fromFiles(
      join(KIMI_TOKENIZER_DIR, 'tiktoken.model'),
      join(KIMI_TOKENIZER_DIR, 'tokenizer_config.k2.json'),
    );
    try {
      const img = createRgbImage(1, 1);
      const out = template.render(
        [{ role: 'user', content: [{ type: 'image', image: img }, { type: 'image', image: img }, { type: 'text', text: 'Hi' }] }],
        { addGenerationPrompt: true },
      );
      const ids = tok.encode(out.text);
      expect(ids.filter((id) => id === tok.mediaPadId)).toHaveLength(2);
      expect(ids[0]).toBe(tok.specialId('<|im_system|>'));
      expect(ids.slice(-3)).toEqual([tok.specialId('<|im_assistant|>'), ...tok.encode('assistant'), tok.specialId('<|im_middle|>')]);
      expect(tok.decode(ids)).toBe(out.text);
    } finally {
      tok.dispose();
    }
  });

  it('refuses an unknown role and an empty conversation', () => {
    expect(() => template.render([{ role: 'tool' as 'user', content: 'x' }])).toThrow(/messages\[0\]\.role is "tool"/);
    expect(() => template.render([])).toThrow(/no messages/);
  });

  it('names the file when a template does not parse', () => {
    expect(() => new KimiChatTemplate('{% for x in %}', 'broken.jinja')).toThrow(/broken\.jinja: cannot parse/);
  });
});
