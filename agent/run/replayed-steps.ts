/**
 * Recorded steps as the "model" of a new run: each step answers with what the recorded step executed,
 * so the loop reviews, confirms, executes, settles and records those actions like any model's, under
 * the same policy, stop chord, takeover pause and trace writing as a live run. When the recorded steps
 * are done, the next model takes over (re-run from step N), or the run ends (replay --execute). A step
 * that cannot be performed again (denied, not approved, failed) ends the run: later steps depend on it.
 */
import { defaultParts } from '../loop/default-parts.ts';
import type { LoopEvent } from '../loop/events.ts';
import type { LoopParts } from '../loop/parts.ts';
import type { ReplayStep } from '../trace/replay-plan.ts';
import type { RecordedAction } from '../protocol/actions.ts';
import { describeAction } from '../protocol/describe.ts';
import type { StepRecord } from '../trace/types.ts';
import type { BackendInfo, ChatRequest, GenerationEvent, GenerationResult, VlmBackend } from '../../models/types.ts';

/** What decides the steps of a run: a model backend and its family's parts. */
export interface Decider {
  backend: VlmBackend;
  parts: LoopParts;
}

export interface ReplayedSteps extends Decider {
  /** Give it every loop event: a replayed step whose actions did not all run ends the replay. */
  observe(event: LoopEvent): void;
}

/** Why a recorded action did not run again, in words for run.json's message. */
function whyNotRun(action: RecordedAction | undefined, record: StepRecord): string {
  if (!action) return record.feedback ?? 'it could not be mapped onto this display';
  const { safety, execution } = action;
  const what = describeAction(action.screen, { maxText: 80 });
  if (safety?.decision === 'deny') return `${what} was denied by safety rule ${safety.rule ?? '(unnamed)'}`;
  if (safety?.decision === 'confirm' && !safety.approved) return `${what} needs confirmation (safety rule ${safety.rule ?? '(unnamed)'}) and was not approved`;
  return `${what} failed: ${execution?.error ?? 'unknown error'}`;
}

/**
 * `recorded` names the recorded run's family and coordinates, reported while its steps are performed
 * (the new trace keeps their replies); `next` decides once they are done.
 */
export function replayedSteps(plan: ReplayStep[], recorded: Pick<BackendInfo, 'spec' | 'family' | 'coordinates'>, next?: Decider): ReplayedSteps {
  let index = 0;
  let broken: string | undefined;
  /** The recorded step the loop's current step performs; undefined when it closes or hands over. */
  let performing: ReplayStep | undefined;
  const replaying = () => index < plan.length || next === undefined || broken !== undefined;
  let stepReplays = true;

  const backend: VlmBackend = {
    info: () => (replaying() ? { ...recorded } : next!.backend.info()),
    generate(request: ChatRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
      if (!stepReplays) return next!.backend.generate(request, signal);
      const record = broken === undefined ? plan[index]?.record : undefined;
      const raw = record?.raw ?? '';
      const result: GenerationResult = { raw, thinking: record?.thinking ?? '', answer: record?.answer ?? raw, finishReason: 'stop', timings: { totalMs: 0 } };
      return (async function* () {
        yield { type: 'done' as const, result };
      })();
    },
    dispose: async () => undefined,
  };

  const parts: LoopParts = {
    buildRequest(input) {
      // Called first in every step: the step replays or the next model decides it, throughout.
      stepReplays = replaying();
      return stepReplays ? { messages: [] } : next!.parts.buildRequest(input);
    },
    parse(family, raw, coordinates) {
      if (!stepReplays) return next!.parts.parse(family, raw, coordinates);
      if (broken !== undefined) return { thought: broken, actions: [{ kind: 'fail', reason: broken }] };
      performing = plan[index];
      if (!performing) return { thought: 'there are no recorded steps to perform again', actions: [{ kind: 'done' }] };
      index += 1;
      const { thought, summary } = performing.record;
      // Without a next model the last recorded step ends the run once its actions have run.
      const actions = index === plan.length && !next ? [...performing.actions, { kind: 'done' as const }] : performing.actions;
      return { thought, ...(summary !== undefined ? { summary } : {}), actions };
    },
    // The replayed points are fractions of the display ('relative'), which the default mapper reads.
    mapper: (geometry) => (stepReplays ? defaultParts : next!.parts).mapper(geometry),
  };

  return {
    backend,
    parts,
    observe(event) {
      if (event.type !== 'step_recorded' || !performing) return;
      const step = performing;
      performing = undefined;
      const ran = event.record.actions.filter((a) => a.execution?.ok === true).length;
      if (ran < step.actions.length) {
        const missed = event.record.actions.find((a) => a.execution?.ok !== true);
        broken = `recorded step ${step.record.step} could not be performed again: ${whyNotRun(missed, event.record)}`;
      }
    },
  };
}
