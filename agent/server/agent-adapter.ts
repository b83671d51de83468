/**
 * The one module where the host meets the rest of the agent: loop, backends, desktop environment,
 * trace writer and safety policy. Everything else in agent/server talks to the AgentPort interface.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openBackend } from '../backends/open.ts';
import { DesktopEnvironment } from '../env/desktop/environment.ts';
import type { Environment } from '../env/types.ts';
import { defaultParts } from '../loop/default-parts.ts';
import type { LoopEvent } from '../loop/events.ts';
import { PauseControl } from '../loop/pause.ts';
import { runAgent } from '../loop/run-agent.ts';
import { DEFAULT_POLICY_FILE, parsePolicy, SafetyPolicy } from '../safety/policy.ts';
import { readTrace } from '../trace/reader.ts';
import { TraceWriter } from '../trace/writer.ts';
import type { AgentFacts, AgentPort, Availability, ConfirmQuestion, LiveRun, RunCallbacks, StartRunOptions } from './agent-port.ts';

async function executionProviders(): Promise<string[]> {
  try {
    const ort = (await import('onnxruntime-node')) as { listSupportedBackends?: () => { name: string }[] };
    return ort.listSupportedBackends?.().map((b) => b.name) ?? ['cpu'];
  } catch {
    return [];
  }
}

/** X displays with a socket on this machine (":0", ":42", ...). */
async function xDisplays(): Promise<string[]> {
  try {
    const names = await readdir('/tmp/.X11-unix');
    return names.filter((n) => /^X\d+$/.test(n)).map((n) => `:${n.slice(1)}`).sort();
  } catch {
    return [];
  }
}

async function safetyRules(): Promise<AgentFacts['safetyRules']> {
  try {
    const { rules } = parsePolicy(await readFile(DEFAULT_POLICY_FILE, 'utf8'), DEFAULT_POLICY_FILE);
    return rules.map((r) => ({ id: r.id, decision: r.decision, description: r.reason ?? r.source }));
  } catch {
    return [];
  }
}

/**
 * Re-run from step N: performs the recorded screen actions of steps 1..N-1 again, so the model takes
 * over from the state the earlier run had reached before step N.
 */
async function replayPrefix(environment: Environment, dir: string, step: number, signal: AbortSignal): Promise<void> {
  const trace = await readTrace(dir);
  for (const record of trace.steps.filter((s) => s.step < step)) {
    for (const action of record.actions) {
      if (action.execution && !action.execution.ok) continue;
      const result = await environment.execute(action.screen, signal);
      if (!result.ok) throw new Error(`re-run: step ${record.step} of ${dir} could not be repeated: ${result.error}`);
    }
    await sleep(Math.min(2000, record.settle?.waitedMs ?? 300), undefined, { signal }).catch(() => undefined);
  }
}

function forward(event: LoopEvent, writer: TraceWriter, callbacks: RunCallbacks, questions: Map<number, ConfirmQuestion>): void {
  switch (event.type) {
    case 'status':
      callbacks.status({ ...writer.run });
      break;
    case 'step_started':
      callbacks.stepStarted(event.step);
      break;
    case 'model_delta':
      callbacks.delta(event.step, event.channel, event.delta);
      break;
    case 'confirm_requested':
      questions.set(event.step, {
        step: event.step,
        action: event.action,
        rule: event.verdict.rule,
        reason: event.verdict.reason,
        screenshot: event.screenshot,
        captureWidth: event.captureWidth,
        captureHeight: event.captureHeight,
      });
      break;
    case 'step_recorded':
      callbacks.stepRecorded(event.record);
      break;
  }
}

async function startRun(options: StartRunOptions, callbacks: RunCallbacks): Promise<LiveRun> {
  const modelOptions = { thinking: options.thinking, ...(options.executionProvider ? { executionProvider: options.executionProvider } : {}) };
  const backend = await openBackend(options.model, { modelOptions });
  let environment: DesktopEnvironment;
  let writer: TraceWriter;
  try {
    environment = new DesktopEnvironment(options.display ? { display: options.display } : {});
    await environment.displays(); // fail here, with the reason, when the display is unusable
  } catch (error) {
    await backend.dispose();
    throw error;
  }
  try {
    writer = await TraceWriter.create(join(options.runsDir, options.runId), {
      id: options.runId,
      instruction: options.instruction,
      model: options.model,
      family: backend.info().family,
      settings: {
        maxSteps: options.maxSteps,
        thinking: options.thinking,
        ...(options.history ? { history: options.history } : {}),
        ...(options.display ? { display: options.display } : {}),
        ...(options.from ? { rerunOf: options.from.dir, fromStep: options.from.step } : {}),
      },
    });
  } catch (error) {
    await Promise.all([backend.dispose(), environment.dispose()]);
    throw error;
  }
  const abort = new AbortController();
  const pause = new PauseControl();
  const questions = new Map<number, ConfirmQuestion>();
  const policy = SafetyPolicy.load();
  const run = async () => {
    try {
      if (options.from) await replayPrefix(environment, options.from.dir, options.from.step, abort.signal);
      await runAgent({
        instruction: options.instruction,
        backend,
        environment,
        parts: defaultParts,
        maxSteps: options.maxSteps,
        thinking: options.thinking,
        ...(options.history ? { history: options.history } : {}),
        trace: writer,
        signal: abort.signal,
        pause,
        hooks: {
          reviewer: policy,
          confirm: async (_action, verdict, context) => {
            const question = questions.get(context.step);
            // Without the question the UI cannot show what it would approve; refusing is the safe answer.
            return question ? callbacks.confirm({ ...question, rule: question.rule ?? verdict.rule }) : false;
          },
        },
        onEvent: (event) => forward(event, writer, callbacks, questions),
      });
    } catch (error) {
      await writer.setStatus('error', (error as Error).message).catch(() => undefined);
      callbacks.status({ ...writer.run });
    } finally {
      await writer.close();
      await Promise.all([environment.dispose(), backend.dispose()]);
    }
  };
  return {
    pause: () => pause.pause(),
    resume: () => pause.resume(),
    stop: () => {
      abort.abort();
      pause.resume();
    },
    finished: run(),
  };
}

export function createAgentAdapter(): AgentPort {
  return {
    // Every part is linked in; a missing display or model shows up as start-run's error instead.
    async availability(): Promise<Availability> {
      return { ok: true };
    },
    async facts(): Promise<AgentFacts> {
      const [eps, displays, rules] = await Promise.all([executionProviders(), xDisplays(), safetyRules()]);
      return { executionProviders: eps, displays, safetyRules: rules };
    },
    startRun,
  };
}
