/** Messages between the main thread (worker-host.ts) and the inference worker (worker.ts). */
import type { ChatRequest, GenerationEvent } from '../../types.ts';
import type { EngineInfo, EngineOptions } from './types.ts';

export type ToWorker =
  | { type: 'open'; packageDir: string; options: EngineOptions }
  /** `cancel` is an Int32Array over a SharedArrayBuffer: the host stores 1 to cancel (read between tokens). */
  | { type: 'generate'; id: number; request: ChatRequest; cancel: Int32Array }
  | { type: 'close' };

export type FromWorker =
  | { type: 'opened'; info: EngineInfo }
  | { type: 'event'; id: number; event: GenerationEvent }
  | { type: 'error'; id?: number; message: string; usage?: boolean }
  | { type: 'closed' };
