/** One entry point from a step's inputs to the request for the model, per model family. */
import type { ChatRequest } from '../../models/types.ts';
import { buildKimiPrompt } from './kimi.ts';
import { buildOsworldPrompt, computer13SystemPrompt, pyautoguiSystemPrompt } from './osworld.ts';
import type { PromptInput } from './types.ts';
import { buildUitarsPrompt } from './uitars.ts';

export type { PromptInput, PromptStep } from './types.ts';

export function buildPrompt(input: PromptInput): ChatRequest {
  if (input.instruction.trim().length === 0) throw new Error('the task instruction is empty; give the agent something to do');
  switch (input.family) {
    case 'kimi':
      return buildKimiPrompt(input);
    case 'uitars':
      return buildUitarsPrompt(input, input.coordinates === 'image' ? 'image' : 'thousand');
    case 'pyautogui':
      return buildOsworldPrompt(input, pyautoguiSystemPrompt(input));
    case 'computer_13':
      return buildOsworldPrompt(input, computer13SystemPrompt(input));
  }
}
