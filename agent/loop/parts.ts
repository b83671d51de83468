/**
 * The family-specific pieces the loop plugs in: the prompt builder, the reply parser and the coordinate
 * mapper. The loop only sequences them; ./default-parts.ts wires the real ones (agent/prompts,
 * agent/actions, agent/coords).
 */
import type { Action, ModelAction, Point } from '../protocol/actions.ts';
import type { ParseResult } from '../actions/types.ts';
import type { DisplayInfo } from '../env/types.ts';
import type { PromptInput, PromptStep } from '../prompts/types.ts';
import type { ChatRequest, CoordinateUnit, ModelFamily } from '../../models/types.ts';

export type { PromptInput } from '../prompts/types.ts';

/** One earlier step as the prompt builder sees it. Images are kept only for the last few steps. */
export interface HistoryEntry extends PromptStep {
  step: number;
}

/** Where one observation's pixels sit: the display, the captured image, the image the model saw. */
export interface StepGeometry {
  display: DisplayInfo;
  captureWidth: number;
  captureHeight: number;
  modelWidth: number;
  modelHeight: number;
}

export interface PointMapper {
  /** Model coordinates -> capture pixels and virtual-desktop logical pixels; clamped points are reported. */
  mapAction(action: ModelAction): { capture: Action<Point>; screen: Action<Point>; warnings: string[] };
}

export interface LoopParts {
  buildRequest(input: PromptInput): ChatRequest;
  /** Reads the reply's answer; the thinking split off before it is given too (Kimi's thought). */
  parse(family: ModelFamily, reply: { answer: string; thinking: string }, coordinates: CoordinateUnit): ParseResult;
  mapper(geometry: StepGeometry): PointMapper;
}
