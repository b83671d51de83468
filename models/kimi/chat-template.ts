/**
 * Renders a Kimi-VL prompt with the package's own `chat_template.jinja` (Jinja, via @huggingface/jinja).
 *
 * Input: ChatMessage[] (models/types.ts) whose content is a string or text/image parts.
 * Output: the prompt text (special tokens as strings, one `<|media_pad|>` per image; the runtime expands
 * each to that image's token count) and the images in the order their placeholders appear.
 */
import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import type { RgbImage } from '../image.ts';
import { withoutThinking } from '../thinking.ts';
import type { ChatMessage } from '../types.ts';

export interface RenderOptions {
  /** Append the assistant header so the model answers next (true for generation). */
  addGenerationPrompt?: boolean;
  /** Remove `◁think▷...◁/think▷` from assistant turns (earlier turns' thinking is not kept in history). */
  stripThinking?: boolean;
}

export interface RenderedPrompt {
  text: string;
  images: RgbImage[];
}

export class KimiChatTemplate {
  private readonly template: Template;

  constructor(
    source: string,
    private readonly fileName = 'chat_template.jinja',
  ) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new Error(`${fileName}: cannot parse the chat template (${(err as Error).message})`);
    }
  }

  static fromFile(file: string): KimiChatTemplate {
    return new KimiChatTemplate(readFileSync(file, 'utf8'), file);
  }

  render(messages: ChatMessage[], options: RenderOptions = {}): RenderedPrompt {
    if (messages.length === 0) throw new Error('cannot render a prompt with no messages');
    const images: RgbImage[] = [];
    // The template sees only what it reads; pixels stay out of the interpreter.
    const plain = messages.map((message, index) => {
      if (!['system', 'user', 'assistant'].includes(message.role)) {
        throw new Error(`messages[${index}].role is ${JSON.stringify(message.role)}; expected system, user or assistant`);
      }
      const clean = (text: string): string =>
        options.stripThinking && message.role === 'assistant' ? withoutThinking(text) : text;
      if (typeof message.content === 'string') return { role: message.role, content: clean(message.content) };
      const content = message.content.map((part, partIndex) => {
        if (part.type === 'image') {
          images.push(part.image);
          return { type: 'image' };
        }
        if (part.type === 'text') return { type: 'text', text: clean(part.text) };
        throw new Error(`messages[${index}].content[${partIndex}].type must be "text" or "image"`);
      });
      return { role: message.role, content };
    });
    let text: string;
    try {
      text = this.template.render({ messages: plain, add_generation_prompt: options.addGenerationPrompt ?? false });
    } catch (err) {
      throw new Error(`${this.fileName}: rendering failed (${(err as Error).message})`);
    }
    return { text, images };
  }
}
