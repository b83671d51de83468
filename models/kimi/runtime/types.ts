/** Options and facts of an opened engine, shared by the worker, the host and the backend. */
import type { KimiImageConfig } from '../image-processor.ts';
import type { ExpertKernel } from '../expert-kernel.ts';
import type { ExecutionProviderRequest } from './providers.ts';

export interface EngineOptions {
  /** Execution provider; 'auto' tries GPU providers first and falls back to CPU with a note. */
  provider?: ExecutionProviderRequest;
  /** onnxruntime intra-op threads (default: onnxruntime's choice). */
  threads?: number;
  /** Max new tokens when a request does not say (default 512). */
  defaultMaxNewTokens?: number;
  /** Longest run of prompt tokens in one decoder session run (default: the decoder's, 512; 0 = no limit). */
  prefillChunk?: number;
  /** Keep the KV cache rows a new prompt shares with the sequence before (default true). */
  reusePrefix?: boolean;
}

export interface EngineInfo {
  packageDir: string;
  contextLength: number;
  hiddenSize: number;
  vocabSize: number;
  provider: string;
  /** Set when the requested provider could not be used. */
  providerNote?: string;
  imageConfig: KimiImageConfig;
  /** How the routed experts run (expert-kernel.ts). */
  expertKernel: ExpertKernel;
  /** False for text-only packages (converted without the vision tower). */
  hasVision: boolean;
}
