/**
 * OSWorld-style prompts for models that answer in screen pixels: pyautogui code or computer_13 JSON.
 * The instruction sits in the system prompt; each of the last 3 steps is a screenshot with the
 * standard question followed by the model's reply; older replies stay as text.
 */
import type { ChatMessage, ChatRequest } from '../../models/types.ts';
import { actionAsWritten, currentFeedback, feedbackText, firstKept, imageTurn } from './history.ts';
import type { PromptInput } from './types.ts';

export const OSWORLD_KEEP_IMAGES = 3;
export const OSWORLD_QUESTION = "Given the screenshot as below. What's the next step that you will do to help with the task?";

function screenLine(input: PromptInput): string {
  const s = input.screen ?? { width: input.image.width, height: input.image.height };
  return `The screen is ${s.width}x${s.height} pixels; (0, 0) is its top-left corner.`;
}

export function pyautoguiSystemPrompt(input: PromptInput): string {
  return `You are an agent that follows my instructions and performs desktop computer tasks. You know computers well, and your code runs on a computer whose mouse and keyboard it controls.
For each step you get a screenshot of the screen and decide the next action from it.
Act with pyautogui code. ${screenLine(input)} Give coordinates in those pixels, judged from the screenshot. Do not use pyautogui.locateCenterOnScreen or pyautogui.screenshot, and write only calls with literal values: other Python is refused and nothing of a refused block runs.
Each reply may predict several actions, but they must all be right; give the code in a \`\`\`python block. First say in a sentence or two what you will do and why.
Instead of code you may reply with exactly one of three special codes:
WAIT when you should wait for the screen to change;
FAIL when the task cannot be done;
DONE when the task is complete.
You are asked to complete the following task: ${input.instruction}`;
}

export function computer13SystemPrompt(input: PromptInput): string {
  return `You are an agent that follows my instructions and performs desktop computer tasks. For each step you get a screenshot of the screen and decide the next action from it.
${screenLine(input)} Reply with one action as JSON in a \`\`\`json block: {"action_type": TYPE, "parameters": {...}}, or a list of such actions. TYPE is one of:
MOVE_TO {"x", "y"}; CLICK {"button": "left"|"right"|"middle", "x", "y", "num_clicks": 1|2|3} (all optional: without x and y it clicks where the pointer is); MOUSE_DOWN {"button"}; MOUSE_UP {"button"}; RIGHT_CLICK {"x", "y"}; DOUBLE_CLICK {"x", "y"}; DRAG_TO {"x", "y"} (drags from the pointer with the left button held);
SCROLL {"dx", "dy"} (wheel clicks; positive dy scrolls up, positive dx scrolls right); TYPING {"text"}; PRESS {"key"}; KEY_DOWN {"key"}; KEY_UP {"key"}; HOTKEY {"keys": [...]} (key names as in pyautogui, e.g. "ctrl", "enter", "a");
WAIT (wait for the screen to change); FAIL (the task cannot be done); DONE (the task is complete). These three take no parameters and may also be replied alone as plain text.
First say in a sentence or two what you will do and why.
You are asked to complete the following task: ${input.instruction}`;
}

export function buildOsworldPrompt(input: PromptInput, system: string): ChatRequest {
  const history = input.history;
  const kept = firstKept(history, input.keepImages ?? OSWORLD_KEEP_IMAGES, input.historyMode);
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  history.forEach((step, i) => {
    if (i >= kept) {
      const previous = i > 0 ? feedbackText(history[i - 1].feedback) : '';
      messages.push({ role: 'user', content: imageTurn(step.image, OSWORLD_QUESTION + '\n' + previous) });
      messages.push({ role: 'assistant', content: (step.answer ?? step.raw).trim() });
    } else {
      const inline = i + 1 < kept ? feedbackText(step.feedback, '# Feedback:') : '';
      messages.push({ role: 'assistant', content: `# Step ${i + 1} (screenshot omitted):\n${actionAsWritten(step)}\n${inline}` });
    }
  });
  const text = OSWORLD_QUESTION + '\n' + feedbackText(currentFeedback(history, input.feedback));
  messages.push({ role: 'user', content: imageTurn(input.image, text) });
  return { messages, ...(input.sampling ? { sampling: input.sampling } : {}) };
}
