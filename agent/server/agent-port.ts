/**
 * What the host needs from the agent to run one instruction live. The one implementation is
 * ./agent-adapter.ts, which assembles each run with agent/run's openRun() like every other entry point;
 * tests and Electron get it through the host options, so the host never imports those modules itself.
 */
import type { RecordedAction } from '../protocol/actions.ts';
import type { GroundingCheckP, GroundingProgressP } from '../protocol/messages.ts';
import type { RunInfo, StepRecord } from '../trace/types.ts';
import type { HistoryOptions } from '../prompts/types.ts';
import type { ReasoningOptions } from '../run/reasoning.ts';

export interface StartRunOptions {
  instruction: string;
  model: string;
  maxSteps: number;
  thinking: boolean;
  display?: string;
  executionProvider?: string;
  history?: HistoryOptions;
  reasoning?: ReasoningOptions;
  /** Folder of the new run (created by the adapter) and its id under the runs folder. */
  runsDir: string;
  runId: string;
  /** Re-run: the recorded run folder and step to restart from. */
  from?: { dir: string; step: number };
}

export interface ConfirmQuestion {
  step: number;
  action: RecordedAction;
  rule?: string;
  reason?: string;
  /** A screenshot file in the run folder showing the screen the action would act on. */
  screenshot: string;
  captureWidth: number;
  captureHeight: number;
}

export interface RunCallbacks {
  status(info: RunInfo): void;
  stepStarted(step: number): void;
  delta(step: number, channel: 'thinking' | 'answer', text: string): void;
  stepRecorded(record: StepRecord): void;
  /** Resolves true to let the action run. */
  confirm(question: ConfirmQuestion): Promise<boolean>;
}

export interface LiveRun {
  pause(): void;
  resume(): void;
  stop(): void;
  /** Settles when the run has ended and its trace is complete. */
  finished: Promise<void>;
}

export type Availability = { ok: true } | { ok: false; reason: string };

export interface AgentFacts {
  executionProviders: string[];
  displays: string[];
  safetyRules: { id: string; decision: 'allow' | 'confirm' | 'deny'; description: string }[];
}

export interface GroundingCheckRequest {
  model: string;
  display?: string;
  executionProvider?: string;
  zoom: boolean;
  onProgress(progress: GroundingProgressP): void;
  signal: AbortSignal;
}

export interface AgentPort {
  availability(): Promise<Availability>;
  /** What the Settings screen shows; never throws (missing parts give empty lists). */
  facts(): Promise<AgentFacts>;
  startRun(options: StartRunOptions, callbacks: RunCallbacks): Promise<LiveRun>;
  /** The grounding check of `doctor --grounding` on a display of this machine; throws with what to fix. */
  checkGrounding(request: GroundingCheckRequest): Promise<GroundingCheckP>;
}
