import type { RgbImage } from '../../models/image.ts';
import type { CoordinateUnit, ModelFamily, SamplingOptions } from '../../models/types.ts';

/** One earlier step as a prompt builder sees it (shape shared with agent/loop/parts.ts HistoryEntry). */
export interface PromptStep {
  /** The image the model was shown at that step; only the last few steps still carry one. */
  image?: RgbImage;
  /** The whole reply, thinking included. */
  raw: string;
  /** The reply without its thinking block. */
  answer?: string;
  thought: string;
  /** One-line description of the action (## Action:). */
  summary?: string;
  /** The action code that was run, when the parser isolated it. */
  code?: string;
  /** What the agent told the model about that step: parse errors, refusals, safety denials, nudges. */
  feedback?: string;
}

/**
 * Which earlier steps keep their screenshot. sliding: always the last N (the format the models were
 * trained on). stable: screenshots pile up to N and are then all dropped at once, so between drops
 * each step's prompt starts with the previous one and the model's KV cache serves it.
 */
export type HistoryMode = 'sliding' | 'stable';
export const HISTORY_MODES: readonly HistoryMode[] = ['sliding', 'stable'];

/** How earlier steps' screenshots are shown: by choice, fewer or smaller ones cost fewer prompt tokens. */
export interface HistoryOptions {
  /** Earlier steps that keep their screenshot (default: the family's trained format, Kimi 3, UI-TARS 5). */
  images?: number;
  /** Side scale of those screenshots, 0 < scale <= 1 (0.5 = a quarter of the pixels and image tokens). Default 1. */
  scale?: number;
  /** Default sliding. */
  mode?: HistoryMode;
}

export interface PromptInput {
  family: ModelFamily;
  instruction: string;
  /** The current screenshot, already at the size the backend wants. */
  image: RgbImage;
  history: PromptStep[];
  /** Notes for the model about the current step (e.g. "the screen did not change"). */
  feedback?: string;
  /** Thinking models: reason in ◁think▷ ... ◁/think▷ instead of a written Thought section. */
  thinking?: boolean;
  /** How many of the latest steps keep their screenshot (Kimi 3, UI-TARS 5 by default). */
  keepImages?: number;
  /** How the kept steps move along (default sliding). */
  historyMode?: HistoryMode;
  /** Logical size of the screen, stated to models that answer in screen pixels. */
  screen?: { width: number; height: number };
  /** The backend's coordinate convention; picks the UI-TARS wording ('image' = resized-image pixels). */
  coordinates?: CoordinateUnit;
  sampling?: SamplingOptions;
}
