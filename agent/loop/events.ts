/** What a running loop reports, for the CLI's progress lines and the UI protocol. */
import type { SafetyVerdict } from '../safety/types.ts';
import type { RecordedAction } from '../protocol/actions.ts';
import type { RunStatus, StepRecord } from '../trace/types.ts';

export type LoopEvent =
  | { type: 'status'; status: RunStatus; message?: string }
  | { type: 'step_started'; step: number }
  | { type: 'model_delta'; step: number; channel: 'thinking' | 'answer'; delta: string }
  /** Sent just before hooks.confirm is asked, with what the UI needs to show the question. */
  | { type: 'confirm_requested'; step: number; action: RecordedAction; verdict: SafetyVerdict; screenshot: string; captureWidth: number; captureHeight: number }
  | { type: 'step_recorded'; step: number; record: StepRecord };

export type LoopEventListener = (event: LoopEvent) => void;
