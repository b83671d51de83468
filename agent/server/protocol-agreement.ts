/**
 * Compile-time proof that the protocol's schemas (agent/protocol.ts, which may not import agent
 * internals) accept what the trace types describe. If a trace type changes, this file stops compiling.
 */
import type { ScreenAction, ModelAction } from '../actions/types.ts';
import type { HistorySchema, ModelActionP, RecordedActionP, RunStatusP, ScreenActionP } from '../protocol.ts';
import type { RecordedAction, RunStatus } from '../trace/types.ts';
import type { HistoryOptions } from '../prompts/types.ts';
import type { z } from 'zod';

type Assert<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Accepts<Wide, Narrow> = [Narrow] extends [Wide] ? true : false;

export type RunStatusAgrees = Assert<Same<RunStatus, RunStatusP>>;
export type ScreenActionFits = Assert<Accepts<ScreenActionP, ScreenAction>>;
export type ModelActionFits = Assert<Accepts<ModelActionP, ModelAction>>;
export type RecordedActionFits = Assert<Accepts<RecordedActionP, RecordedAction>>;
export type ActionKindsAgree = Assert<Same<ScreenAction['kind'], ScreenActionP['kind']>>;
export type HistoryAgrees = Assert<Same<HistoryOptions, z.infer<typeof HistorySchema>>>;
