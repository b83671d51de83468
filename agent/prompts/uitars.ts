/**
 * UI-TARS prompts: one user turn with the action space and the instruction, then the last 5
 * screenshots each followed by the reply the model gave for it; older replies stay as text.
 */
import type { ChatMessage, ChatRequest } from '../../models/types.ts';
import { currentFeedback, feedbackText, firstKept, imageTurn } from './history.ts';
import type { PromptInput, PromptStep } from './types.ts';

export const UITARS_KEEP_IMAGES = 5;

export function uitarsPromptText(instruction: string, unit: 'thousand' | 'image'): string {
  const coordinates =
    unit === 'thousand'
      ? 'Coordinates are x and y from 0 to 1000, relative to the width and height of the screenshot.'
      : 'Coordinates are pixels of the screenshot exactly as you see it.';
  return `You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task.

## Output Format
\`\`\`
Thought: ...
Action: ...
\`\`\`

## Action Space
click(start_box='<|box_start|>(x1,y1)<|box_end|>')
left_double(start_box='<|box_start|>(x1,y1)<|box_end|>')
right_single(start_box='<|box_start|>(x1,y1)<|box_end|>')
drag(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box='<|box_start|>(x3,y3)<|box_end|>')
hotkey(key='ctrl c') # lower-case key names separated by spaces, at most 3 keys
type(content='xxx') # escape ' and \\n; end the content with \\n to press Enter afterwards
scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', direction='down or up or right or left')
wait() # wait 5 seconds and look again
finished(content='xxx') # the task is done; content holds the answer if one is asked for
call_user() # ask the user for help when the task cannot go on without them

## Note
- ${coordinates}
- In Thought, summarise your plan and the reason for this one action in one or two sentences.

## User Instruction
${instruction}
`;
}

function replyText(step: PromptStep): string {
  const answer = (step.answer ?? step.raw).trim();
  return answer.length > 0 ? answer : `Thought: ${step.thought.trim()}`;
}

export function buildUitarsPrompt(input: PromptInput, unit: 'thousand' | 'image' = 'thousand'): ChatRequest {
  const history = input.history;
  const kept = firstKept(history, input.keepImages ?? UITARS_KEEP_IMAGES, input.historyMode);
  const messages: ChatMessage[] = [{ role: 'user', content: uitarsPromptText(input.instruction, unit) }];
  history.forEach((step, i) => {
    if (i >= kept) {
      const previous = i > 0 ? feedbackText(history[i - 1].feedback) : '';
      const turn = imageTurn(step.image, previous.trimStart());
    if (turn.length > 0) messages.push({ role: 'user', content: turn });
    }
    const inline = i < kept && i + 1 < kept ? feedbackText(step.feedback, '# Feedback:') : '';
    messages.push({ role: 'assistant', content: replyText(step) + (inline ? `\n${inline}` : '') });
  });
  const notes = feedbackText(currentFeedback(history, input.feedback)).trimStart();
  messages.push({ role: 'user', content: imageTurn(input.image, notes) });
  return { messages, ...(input.sampling ? { sampling: input.sampling } : {}) };
}
