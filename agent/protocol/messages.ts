/**
 * The one contract between the agent host and any UI: zod schemas for the commands a client sends, the
 * replies it gets and the events the host streams. The renderer imports agent/protocol/ and nothing
 * else of the project, so this folder stays free of Node APIs and of imports from the rest of agent/.
 *
 * Transports (WebSocket from `deskpilot serve`, Electron IPC through the preload bridge) carry these
 * messages unchanged. Screenshots travel as URLs, never inside events.
 */
import { z } from 'zod';
import { finiteNumber, recordedActionSchema, screenActionSchema } from './actions.ts';

export const PROTOCOL_VERSION = 1;

// ---- Data shapes (the trace's schemas build on these; agent/server/protocol-agreement.ts checks the rest) ----

export const RunStatusSchema = z.enum([
  'running',
  'paused',
  'awaiting_confirmation',
  'success',
  'failure',
  'call_user',
  'stalled',
  'step_limit',
  'stopped',
  'error',
]);
export type RunStatusP = z.infer<typeof RunStatusSchema>;

/** Statuses after which a run never changes again. */
export const FINISHED_STATUSES: readonly RunStatusP[] = ['success', 'failure', 'call_user', 'stalled', 'step_limit', 'stopped', 'error'];

export const DisplaySchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  x: finiteNumber,
  y: finiteNumber,
  width: finiteNumber,
  height: finiteNumber,
  scaleFactor: finiteNumber,
  primary: z.boolean(),
});

/** One recorded step as the UI shows it: the trace record plus the URL of its screenshot. */
export const StepSchema = z.object({
  step: z.number().int().positive(),
  startedAt: z.string(),
  screenshotUrl: z.string(),
  observation: z.object({
    display: DisplaySchema,
    captureWidth: z.number(),
    captureHeight: z.number(),
    modelWidth: z.number(),
    modelHeight: z.number(),
  }),
  raw: z.string(),
  thinking: z.string(),
  thought: z.string(),
  summary: z.string().optional(),
  actions: z.array(recordedActionSchema),
  parseError: z.string().optional(),
  feedback: z.string().optional(),
  timings: z.object({ stepMs: z.number(), modelMs: z.number(), executeMs: z.number(), settleMs: z.number() }),
  /** The N candidates of this step (--samples): each one's actions in capture pixels and group, which ran. */
  samples: z
    .object({
      select: z.enum(['vote', 'judge']),
      chosen: z.number(),
      candidates: z.array(z.object({ raw: z.string(), answer: z.string(), group: z.number(), actions: z.array(screenActionSchema), parseError: z.string().optional() })),
      judge: z.object({ reply: z.string(), note: z.string().optional(), tokens: z.number() }).optional(),
      extraTokens: z.number(),
      prefilledTokens: z.number().optional(),
      extraMs: z.number(),
    })
    .optional(),
  /** The second look of this step (--rethink): both answers, which one ran, what it cost. */
  rethink: z
    .object({
      reason: z.enum(['confirm', 'done', 'repeat']),
      trigger: z.string(),
      first: z.object({ raw: z.string(), answer: z.string() }),
      second: z.object({ raw: z.string(), answer: z.string(), finishReason: z.string() }),
      used: z.enum(['first', 'second']),
      note: z.string().optional(),
      extraTokens: z.number(),
      promptTokens: z.number().optional(),
      cachedTokens: z.number().optional(),
      extraMs: z.number(),
    })
    .optional(),
  /** The done check of this step (--verify-done): the judge's verdict and whether the run went on. */
  verification: z
    .object({
      verdict: z.enum(['yes', 'no', 'unclear']),
      reply: z.string(),
      reason: z.string().optional(),
      continued: z.boolean(),
      model: z.string().optional(),
      tokens: z.object({ prompt: z.number(), completion: z.number(), cached: z.number().optional() }),
      ms: z.number(),
    })
    .optional(),
  /** What the model's step cost, as far as the backend reports it (older traces: absent). */
  model: z
    .object({
      promptTokens: z.number().optional(),
      cachedTokens: z.number().optional(),
      visionMs: z.number().optional(),
      prefillMs: z.number().optional(),
      decodeTokensPerSecond: z.number().optional(),
    })
    .optional(),
});
export type StepP = z.infer<typeof StepSchema>;

export const RunSchema = z.object({
  /** Folder name under the runs directory; also the key for every run command. */
  id: z.string(),
  instruction: z.string(),
  model: z.string(),
  status: RunStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  message: z.string().optional(),
  steps: z.number().int().nonnegative(),
  settings: z.object({ maxSteps: z.number(), display: z.string().optional(), thinking: z.boolean().optional() }).loose(),
  taskId: z.string().optional(),
  /** Set when this run is live in this host (it can be paused / stopped). */
  live: z.boolean(),
});
export type RunP = z.infer<typeof RunSchema>;

export const BenchTaskSchema = z.object({
  id: z.string(),
  domain: z.string(),
  /** Undefined while the task has no result.txt yet. */
  score: z.number().optional(),
  /** Run id of the task's trace (for drilling in), when it has one. */
  traceId: z.string().optional(),
});
export const BenchSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'finished', 'failed']),
  model: z.string().optional(),
  suite: z.string().optional(),
  overall: z.number().optional(),
  domains: z.record(z.string(), z.object({ score: z.number(), tasks: z.number() })),
  tasks: z.array(BenchTaskSchema),
  /** Tasks expected in total, when known (from the suite while running, from the summary after). */
  total: z.number().optional(),
  error: z.string().optional(),
});
export type BenchP = z.infer<typeof BenchSchema>;

export const ModelPackageSchema = z.object({ name: z.string(), spec: z.string(), path: z.string(), dtype: z.string().optional(), size: z.string().optional() });
export type ModelPackageP = z.infer<typeof ModelPackageSchema>;

export const SettingsSchema = z.object({
  runsDir: z.string(),
  modelsDirs: z.array(z.string()),
  models: z.array(ModelPackageSchema),
  executionProviders: z.array(z.string()),
  displays: z.array(z.string()),
  safetyRules: z.array(z.object({ id: z.string(), decision: z.enum(['allow', 'confirm', 'deny']), description: z.string() })),
  agentAvailable: z.boolean(),
  agentUnavailableReason: z.string().optional(),
});
export type SettingsP = z.infer<typeof SettingsSchema>;

/** A point or box of the grounding check, in capture pixels of the checked screen. */
const PixelPoint = z.object({ x: finiteNumber, y: finiteNumber });
const PixelBox = PixelPoint.extend({ width: finiteNumber, height: finiteNumber });

/** One label of the grounding check: where it was drawn, where the model pointed, whether that hit. */
export const GroundingTargetSchema = z.object({
  label: z.string(),
  box: PixelBox,
  /** The answer (with zoom: the second look's); null when the model named no point. */
  point: PixelPoint.nullable(),
  /** With zoom: the first look's point, before the crop. */
  first: PixelPoint.nullable().optional(),
  hit: z.boolean(),
  ms: z.number(),
});
export type GroundingTargetP = z.infer<typeof GroundingTargetSchema>;

/** The grounding check on the user's own screen (doctor --grounding and the Settings screen). */
export const GroundingCheckSchema = z.object({
  model: z.string(),
  display: z.string().optional(),
  width: z.number(),
  height: z.number(),
  zoom: z.boolean(),
  targets: z.array(GroundingTargetSchema),
  found: z.number(),
  total: z.number(),
  /** found / total. */
  score: z.number(),
  timings: z.object({ captureMs: z.number(), loadMs: z.number(), groundMs: z.number(), totalMs: z.number() }),
});
export type GroundingCheckP = z.infer<typeof GroundingCheckSchema>;

/** Where a running grounding check is: capturing the screen, opening the model, or `done` of `total` labels looked for. */
export const GroundingProgressSchema = z.object({
  stage: z.enum(['capture', 'model', 'labels']),
  done: z.number(),
  total: z.number(),
  /** The label just looked for (stage labels, done >= 1). */
  target: GroundingTargetSchema.optional(),
});
export type GroundingProgressP = z.infer<typeof GroundingProgressSchema>;

// ---- Commands (client -> host) ----

/** A run folder relative to the runs directory: name segments (letters, digits, . _ -), no "." or "..". */
const RunId = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, 'a run id is a folder path under the runs folder (letters, digits, . _ -)');

/** Longer than any task a person writes, far below a message's size limit. */
export const MAX_INSTRUCTION_CHARS = 20_000;

export const HistorySchema = z.object({
  images: z.number().int().min(0).max(50).optional(),
  scale: z.number().gt(0).max(1).optional(),
  mode: z.enum(['sliding', 'stable']).optional(),
});

/** Defaults of the reasoning options, the same for the CLI and the UI. */
export const DEFAULT_VERIFY_LIMIT = 2;
export const DEFAULT_RETHINK_TOKENS = 256;

/** Extra model calls per step (mirror of ReasoningOptions in agent/run/reasoning.ts). */
export const ReasoningSchema = z.object({
  verifyDone: z.object({ limit: z.number().int().min(1).max(100), model: z.string().trim().min(1).optional() }).optional(),
  rethink: z.object({ maxTokens: z.number().int().min(1).max(8192) }).optional(),
  samples: z.object({ n: z.number().int().min(2).max(16), select: z.enum(['vote', 'judge']) }).optional(),
  zoomClicks: z.boolean().optional(),
});

export const StartRunSchema = z.object({
  instruction: z.string().trim().min(1, 'type an instruction').max(MAX_INSTRUCTION_CHARS, `an instruction is at most ${MAX_INSTRUCTION_CHARS} characters`),
  model: z.string().trim().min(1, 'pick a model or type a spec such as script:/path/replies.json'),
  maxSteps: z.number().int().min(1).max(1000).default(15),
  thinking: z.boolean().default(false),
  display: z.string().regex(/^:\d+(\.\d+)?$/, 'an X display looks like :0').optional(),
  /** onnxruntime execution provider for a local model (cpu, cuda, dml, coreml, webgpu); default: the backend's choice. */
  executionProvider: z.string().regex(/^[a-z0-9_-]+$/).optional(),
  /** Earlier screenshots in the prompt (mirror of HistoryOptions in agent/prompts/types.ts); default: the model's trained format. */
  history: HistorySchema.optional(),
  reasoning: ReasoningSchema.optional(),
  /** Re-run: start again from the state before this step of an earlier run (instruction copied). */
  from: z.object({ runId: RunId, step: z.number().int().positive() }).optional(),
});
export type StartRunP = z.input<typeof StartRunSchema>;

export const CommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello') }),
  z.object({ type: z.literal('runs.list') }),
  z.object({ type: z.literal('runs.get'), runId: RunId }),
  z.object({ type: z.literal('run.start'), options: StartRunSchema }),
  z.object({ type: z.literal('run.pause'), runId: RunId }),
  z.object({ type: z.literal('run.resume'), runId: RunId }),
  z.object({ type: z.literal('run.stop'), runId: RunId }),
  z.object({ type: z.literal('run.confirm'), runId: RunId, approve: z.boolean() }),
  z.object({ type: z.literal('bench.list') }),
  z.object({ type: z.literal('bench.get'), benchId: RunId }),
  z.object({
    type: z.literal('bench.start'),
    suite: z.string().trim().min(1, 'type the path of a task index or folder'),
    model: z.string().trim().min(1),
    envs: z.number().int().min(1).max(16).default(1),
    maxSteps: z.number().int().min(1).max(1000).default(15),
    /** Zoom-in clicks for every task (bench --zoom-clicks). */
    zoomClicks: z.boolean().default(false),
  }),
  z.object({ type: z.literal('settings.get') }),
  z.object({
    type: z.literal('grounding.check'),
    model: z.string().trim().min(1, 'pick a model or type a spec such as kimi-vl:/path/to/package'),
    display: z.string().regex(/^:\d+(\.\d+)?$/, 'an X display looks like :0').optional(),
    executionProvider: z.string().regex(/^[a-z0-9_-]+$/).optional(),
    zoom: z.boolean().default(false),
  }),
  z.object({ type: z.literal('grounding.stop') }),
]);
export type Command = z.input<typeof CommandSchema>;
export type ParsedCommand = z.output<typeof CommandSchema>;
export type CommandType = Command['type'];

/** What each command resolves to. */
export interface CommandResults {
  hello: { version: number };
  'runs.list': { runs: RunP[] };
  /** `warnings`: what of the trace could not be read and was left out (empty for a sound trace). */
  'runs.get': { run: RunP; steps: StepP[]; warnings: string[]; pending?: ConfirmRequestP; reportUrl: string };
  'run.start': { runId: string };
  'run.pause': { ok: true };
  'run.resume': { ok: true };
  'run.stop': { ok: true };
  'run.confirm': { ok: true };
  'bench.list': { benches: BenchP[] };
  'bench.get': { bench: BenchP };
  'bench.start': { benchId: string };
  'settings.get': SettingsP;
  'grounding.check': { check: GroundingCheckP };
  /** `stopped`: whether a check was running. */
  'grounding.stop': { stopped: boolean };
}

/** A command on the wire: `id` pairs it with its reply. */
export const RequestSchema = z.object({ id: z.number().int().nonnegative(), command: z.unknown() });

export type Reply =
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string };

// ---- Events (host -> every client) ----

export const ConfirmRequestSchema = z.object({
  runId: z.string(),
  step: z.number(),
  action: recordedActionSchema,
  rule: z.string().optional(),
  reason: z.string().optional(),
  screenshotUrl: z.string(),
  captureWidth: z.number(),
  captureHeight: z.number(),
});
export type ConfirmRequestP = z.infer<typeof ConfirmRequestSchema>;

export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run.status'), run: RunSchema }),
  z.object({ type: z.literal('step.started'), runId: z.string(), step: z.number() }),
  z.object({ type: z.literal('model.delta'), runId: z.string(), step: z.number(), channel: z.enum(['thinking', 'answer']), delta: z.string() }),
  z.object({ type: z.literal('step.recorded'), runId: z.string(), step: StepSchema }),
  z.object({ type: z.literal('confirm.request'), request: ConfirmRequestSchema }),
  z.object({ type: z.literal('bench.progress'), bench: BenchSchema }),
  z.object({ type: z.literal('grounding.progress'), model: z.string(), progress: GroundingProgressSchema }),
]);
export type AgentEvent = z.infer<typeof EventSchema>;

export type ServerMessage = Reply | { kind: 'event'; event: AgentEvent };

/** Query parameter (and header) that carries the per-start token of `deskpilot serve`. */
export const TOKEN_PARAM = 'token';
/** The largest WebSocket message either side accepts; larger ones close the socket (1009). */
export const MAX_MESSAGE_BYTES = 1 << 20;
export const TOKEN_HEADER = 'x-deskpilot-token';

/**
 * What Electron's preload exposes as `window.deskpilot`: the same commands and events as the WebSocket,
 * nothing else (no generic invoke).
 */
export interface DeskpilotBridge {
  command(command: Command): Promise<{ ok: true; result: unknown } | { ok: false; error: string }>;
  onEvent(listener: (event: AgentEvent) => void): () => void;
}
