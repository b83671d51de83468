/** The real family-specific parts: prompt builders, reply parsers and the coordinate mapper. */
import { parseReply } from '../actions/parse.ts';
import { CoordinateMapper } from '../coords/mapper.ts';
import { buildPrompt } from '../prompts/index.ts';
import type { LoopParts } from './parts.ts';

export const defaultParts: LoopParts = {
  buildRequest: buildPrompt,
  // UI-TARS 1.5 answers in resized-image pixels; its backend says so with coordinates 'image'.
  parse: (family, { answer, thinking }, coordinates) => parseReply(family, answer, { thinking, ...(coordinates === 'image' ? { uitarsUnit: 'image' } : {}) }),
  mapper: (geometry) => CoordinateMapper.fromStep(geometry),
};
