/**
 * The one module where the host meets the rest of the agent: runs are assembled by openRun() (model,
 * desktop, safety hooks, trace) like every other entry point's; the UI answers confirmations and
 * controls pause and stop. Everything else in agent/server talks to the AgentPort interface.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkGrounding } from '../doctor/grounding.ts';
import type { LoopEvent } from '../loop/events.ts';
import { openRun } from '../run/open-run.ts';
import { DEFAULT_POLICY_FILE, parsePolicy } from '../safety/policy.ts';
import type { TraceWriter } from '../trace/writer.ts';
import type { AgentFacts, AgentPort, Availability, ConfirmQuestion, GroundingCheckRequest, LiveRun, RunCallbacks, StartRunOptions } from './agent-port.ts';

/** The providers in this onnxruntime-node build that the Kimi engine can run on (what the Run screen offers). */
async function executionProviders(): Promise<string[]> {
  try {
    const { compiledExecutionProviders, EXECUTION_PROVIDERS } = await import('../../models/kimi/runtime/providers.ts');
    const usable: readonly string[] = EXECUTION_PROVIDERS;
    return compiledExecutionProviders().filter((name) => usable.includes(name));
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
  const questions = new Map<number, ConfirmQuestion>();
  const opened = await openRun({
    id: options.runId,
    out: join(options.runsDir, options.runId),
    instruction: options.instruction,
    model: options.model,
    maxSteps: options.maxSteps,
    thinking: options.thinking,
    ...(options.history ? { history: options.history } : {}),
    ...(options.reasoning ? { reasoning: options.reasoning } : {}),
    ...(options.display ? { display: options.display } : {}),
    ...(options.executionProvider ? { executionProvider: options.executionProvider } : {}),
    // Re-run from step N: steps 1..N-1 of the recorded run are performed again first.
    ...(options.from ? { replay: { dir: options.from.dir, untilStep: options.from.step } } : {}),
    safety: {
      confirm: async (_action, verdict, context) => {
        const question = questions.get(context.step);
        // Without the question the UI cannot show what it would approve; refusing is the safe answer.
        return question ? callbacks.confirm({ ...question, rule: question.rule ?? verdict.rule }) : false;
      },
    },
    // Events come only from opened.run(), after openRun has returned.
    onEvent: (event) => forward(event, opened.trace, callbacks, questions),
    onWarning: (message) => process.stderr.write(`run ${options.runId}: warning: ${message}\n`),
  });
  const run = async () => {
    try {
      await opened.run();
    } catch (error) {
      await opened.trace.setStatus('error', (error as Error).message).catch(() => undefined);
      callbacks.status({ ...opened.trace.run });
    } finally {
      await opened.close();
    }
  };
  return {
    pause: () => opened.pause.pause(),
    resume: () => opened.pause.resume(),
    stop: () => opened.stop(),
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
    checkGrounding: (request: GroundingCheckRequest) =>
      checkGrounding(request.model, request.display, {
        zoom: request.zoom,
        signal: request.signal,
        onProgress: request.onProgress,
        ...(request.executionProvider !== undefined ? { provider: request.executionProvider } : {}),
      }),
  };
}
