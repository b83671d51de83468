/** Pieces every prompt builder shares: which steps keep images, and where feedback goes. */
import type { ContentPart } from '../../models/types.ts';
import type { HistoryMode, PromptStep } from './types.ts';

/**
 * Index of the first step that keeps its screenshot. sliding: the last `keepImages` steps. stable:
 * the window starts anew every keepImages + 1 steps (0, 1, ..., keepImages screenshots, then 0 again),
 * so it only grows at its end between drops.
 */
export function firstKept(history: PromptStep[], keepImages: number, mode: HistoryMode = 'sliding'): number {
  const keep = Math.max(0, keepImages);
  if (mode === 'stable') return history.length - (history.length % (keep + 1));
  return Math.max(0, history.length - keep);
}

/** Feedback as a block of text the model will read, or '' when there is none. */
export function feedbackText(feedback: string | undefined, heading = '# Feedback on the previous step:'): string {
  const text = feedback?.trim();
  return text ? `\n${heading}\n${text}\n` : '';
}

/** A user turn: the screenshot, then text if any. */
export function imageTurn(image: PromptStep['image'], text: string): ContentPart[] {
  const parts: ContentPart[] = [];
  if (image !== undefined) parts.push({ type: 'image', image });
  if (text.length > 0) parts.push({ type: 'text', text });
  return parts;
}

/** Feedback for the step before the current one, plus the current step's own notes. */
export function currentFeedback(history: PromptStep[], feedback: string | undefined): string | undefined {
  const notes = [history.at(-1)?.feedback, feedback].filter((f): f is string => !!f && f.trim().length > 0);
  return notes.length > 0 ? notes.join('\n') : undefined;
}

/** The action of a step as the model wrote it: the isolated code, else the answer, else the raw reply. */
export function actionAsWritten(step: PromptStep): string {
  return (step.code ?? step.answer ?? step.raw).trim();
}
