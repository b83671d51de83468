/**
 * Compile-time proof that the protocol (agent/protocol/, which may not import agent internals or
 * models/) and the types it mirrors say the same thing. If one changes alone, this file stops compiling.
 */
import type { CoordinateUnit } from '../../models/types.ts';
import type { PointUnit } from '../protocol/actions.ts';
import type { RunStatusP } from '../protocol/messages.ts';
import type { RunStatus } from '../trace/types.ts';
import type { HistoryOptions } from '../prompts/types.ts';
import type { HistorySchema, ReasoningSchema } from '../protocol/messages.ts';
import type { ReasoningOptions } from '../run/reasoning.ts';
import type { z } from 'zod';

type Assert<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export type RunStatusAgrees = Assert<Same<RunStatus, RunStatusP>>;
export type PointUnitsAgree = Assert<Same<CoordinateUnit, PointUnit>>;
export type HistoryAgrees = Assert<Same<HistoryOptions, z.infer<typeof HistorySchema>>>;
export type ReasoningAgrees = Assert<Same<ReasoningOptions, z.infer<typeof ReasoningSchema>>>;
