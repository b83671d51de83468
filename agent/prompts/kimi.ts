/**
 * Kimi-VL / OpenCUA prompts (kimi-vl.md §5): a system prompt with the ## Thought / ## Action / ## Code
 * reply format and computer.wait / computer.terminate; the last 3 steps keep their screenshots
 * (user: image, assistant: "# Step i: ..."), older steps are text only; the current turn is the
 * screenshot and the "# Task Instruction:" text. Thinking models drop the written Thought (their
 * ◁think▷ block is the thought) and older steps keep only their action summaries.
 */
import { joinThinking } from '../../models/thinking.ts';
import type { ChatMessage, ChatRequest } from '../../models/types.ts';
import { actionAsWritten, currentFeedback, feedbackText, firstKept, imageTurn } from './history.ts';
import type { PromptInput, PromptStep } from './types.ts';

export const KIMI_KEEP_IMAGES = 3;

const THOUGHT_FORMAT = `## Thought:
Look at the screenshot and your previous steps: say what has been done, what the screen shows now, and what the next step towards the goal is and why.

`;

const REPLY_FORMAT = `## Action:
One sentence describing the single action you take now.

## Code:
\`\`\`python
the code for that action
\`\`\``;

const CODE_RULES = `Rules for the code:
- Use pyautogui: click, doubleClick, tripleClick, rightClick, middleClick, moveTo, dragTo, mouseDown, mouseUp, scroll, hscroll, write, press, hotkey, keyDown, keyUp. Give x and y as fractions of the screenshot's width and height, between 0 and 1 (x=0.5, y=0.5 is the centre).
- Write only calls with literal values. Variables, loops, other modules and any other Python are refused, and nothing of a refused code block is run.
- Two more functions exist:
  computer.wait()  wait for the screen to finish changing (something is loading).
  computer.terminate(status='success', answer='...')  the task is complete; put the answer in answer when the task asks a question.
  computer.terminate(status='failure')  the task cannot be completed.`;

export function kimiSystemPrompt(thinking: boolean): string {
  const intro =
    'You are a GUI agent. You are given an instruction, a screenshot of the screen and your previous interactions with the computer. ' +
    'You need to perform a series of actions to complete the task, one action per step.';
  const format = thinking
    ? `Think the step through first, then reply in exactly this format:\n\n${REPLY_FORMAT}`
    : `For each step, reply in exactly this format:\n\n${THOUGHT_FORMAT}${REPLY_FORMAT}`;
  return `${intro}\n\n${format}\n\n${CODE_RULES}`;
}

export function kimiInstructionText(instruction: string): string {
  return `# Task Instruction:\n${instruction}\n\nPlease generate the next move according to the screenshot, task instruction and previous steps (if provided).\n`;
}

function actionOf(step: PromptStep): string {
  return (step.summary ?? actionAsWritten(step)).trim();
}

/** A kept step as the model's own earlier reply. */
function keptStepText(step: PromptStep, n: number, thinking: boolean): string {
  if (thinking) return joinThinking(step.thought.trim(), `## Action:\n${actionOf(step)}\n`);
  return `# Step ${n}:\n## Thought:\n${step.thought.trim()}\n\n## Action:\n${actionOf(step)}\n`;
}

/** An older step, collapsed to text (no screenshot; thinking models keep only the action). */
function olderStepText(step: PromptStep, n: number, thinking: boolean, inlineFeedback: boolean): string {
  const body = thinking ? `# Step ${n}:\n## Action:\n${actionOf(step)}\n` : keptStepText(step, n, false);
  return inlineFeedback ? body + feedbackText(step.feedback, '# Feedback:') : body;
}

export function buildKimiPrompt(input: PromptInput): ChatRequest {
  const thinking = input.thinking ?? false;
  const history = input.history;
  const kept = firstKept(history, input.keepImages ?? KIMI_KEEP_IMAGES, input.historyMode);
  const messages: ChatMessage[] = [{ role: 'system', content: kimiSystemPrompt(thinking) }];
  history.forEach((step, i) => {
    if (i < kept) {
      // Feedback goes to the next user turn; an older step followed by another older step has none.
      messages.push({ role: 'assistant', content: olderStepText(step, i + 1, thinking, i + 1 < kept) });
      return;
    }
    const previous = i > 0 ? feedbackText(history[i - 1].feedback) : '';
    const turn = imageTurn(step.image, previous.trimStart());
    if (turn.length > 0) messages.push({ role: 'user', content: turn });
    messages.push({ role: 'assistant', content: keptStepText(step, i + 1, thinking) });
  });
  const text = kimiInstructionText(input.instruction) + feedbackText(currentFeedback(history, input.feedback));
  messages.push({ role: 'user', content: imageTurn(input.image, text) });
  return { messages, sampling: { ...input.sampling, thinking } };
}
