/**
 * Runs one step's actions in order: map to screen, review (allow / confirm / deny), execute. A denied or
 * failed action stops the rest of the step (later actions usually depend on it) and is told to the model.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type ModelAction, type RecordedAction, type ScreenAction } from '../protocol/actions.ts';
import { describeAction } from '../protocol/describe.ts';
import type { Environment, Observation } from '../env/types.ts';
import type { ActionContext, SafetyVerdict } from '../safety/types.ts';
import type { RunStatus } from '../trace/types.ts';
import type { LoopEventListener } from './events.ts';
import type { LoopHooks } from './hooks.ts';
import { throwIfStopped, untilStopped } from './model-turn.ts';
import type { PointMapper } from './parts.ts';

export interface ActInput {
  step: number;
  actions: ModelAction[];
  mapper: PointMapper;
  observation: Observation;
  environment: Environment;
  hooks: LoopHooks;
  screenshot: string;
  emit: LoopEventListener;
  setStatus(status: RunStatus): Promise<void>;
  signal?: AbortSignal;
}

export interface ActOutcome {
  recorded: RecordedAction[];
  feedback: string[];
  /** The terminal action the model ended with, if any. */
  terminal?: ScreenAction;
  /** Whether any screen action ran (then the screen is worth settling). */
  executed: boolean;
  executeMs: number;
}

/**
 * Pause between the actions of one reply, as pyautogui.PAUSE (0.1 s) gives the code these models
 * were trained on: the app gets a moment to react, e.g. to move focus after a click before the keys
 * that follow it arrive.
 */
export const PAUSE_BETWEEN_ACTIONS_MS = 100;

/** The model wrote the text itself: a start is enough to say which action, without doubling the prompt. */
const FEEDBACK_TEXT = { maxText: 80 };

async function decide(input: ActInput, screen: ScreenAction, recorded: RecordedAction): Promise<{ run: boolean; verdict: SafetyVerdict }> {
  const { hooks, step, observation } = input;
  const context: ActionContext = { step, observation };
  const verdict: SafetyVerdict = hooks.reviewer ? await hooks.reviewer.review(screen, context) : { decision: 'allow' };
  recorded.safety = { decision: verdict.decision, ...(verdict.rule !== undefined ? { rule: verdict.rule } : {}) };
  if (verdict.decision === 'allow') return { run: true, verdict };
  if (verdict.decision === 'deny') return { run: false, verdict };
  // confirm: without a confirmer nobody can approve, which means no.
  let approved = false;
  if (hooks.confirm) {
    await input.setStatus('awaiting_confirmation');
    input.emit({
      type: 'confirm_requested',
      step,
      action: recorded,
      verdict,
      screenshot: input.screenshot,
      captureWidth: observation.image.width,
      captureHeight: observation.image.height,
    });
    // A question nobody answers must not outlive a stop.
    approved = await untilStopped(hooks.confirm(screen, verdict, context), input.signal);
    await input.setStatus('running');
  }
  recorded.safety.approved = approved;
  return { run: approved, verdict };
}

export async function act(input: ActInput): Promise<ActOutcome> {
  const out: ActOutcome = { recorded: [], feedback: [], executed: false, executeMs: 0 };
  for (const [i, action] of input.actions.entries()) {
    let mapped;
    try {
      mapped = input.mapper.mapAction(action);
    } catch (error) {
      out.feedback.push(`Action ${i + 1} (${describeAction(action, FEEDBACK_TEXT)}) was not executed: ${(error as Error).message}.`);
      break;
    }
    const { screen, capture } = mapped;
    const recorded: RecordedAction = { model: action, capture, screen };
    out.recorded.push(recorded);
    out.feedback.push(...mapped.warnings.map((w) => `Action ${i + 1}: ${w}.`));
    if (isTerminal(screen)) {
      out.terminal = screen;
      break;
    }
    if (out.executed) await sleep(PAUSE_BETWEEN_ACTIONS_MS);
    throwIfStopped(input.signal);
    const { run, verdict } = await decide(input, screen, recorded);
    if (!run) {
      const why = verdict.reason ?? (verdict.decision === 'confirm' ? 'the user did not approve it' : 'it is not allowed');
      out.feedback.push(`Action ${i + 1} (${describeAction(screen, FEEDBACK_TEXT)}) was not executed: ${why}. Choose another way.`);
      break;
    }
    const result = await input.environment.execute(screen, input.signal);
    recorded.execution = { ok: result.ok, durationMs: result.durationMs, ...(result.error !== undefined ? { error: result.error } : {}) };
    out.executeMs += result.durationMs;
    out.executed = true;
    if (!result.ok) {
      out.feedback.push(`Action ${i + 1} (${describeAction(screen, FEEDBACK_TEXT)}) failed: ${result.error ?? 'unknown error'}.`);
      break;
    }
  }
  return out;
}
