/**
 * zod schemas of the current trace records (TRACE_VERSION). The reader validates every line against
 * these after upgrading it, so the rest of the program can trust a loaded trace.
 */
import { z } from 'zod';
import type { RunInfo, StepRecord, TrajLine } from './types.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const point = z.object({ x: finite, y: finite });
const modelPoint = point.extend({ unit: z.enum(['relative', 'thousand', 'image', 'screen']) });
const button = z.enum(['left', 'right', 'middle']);

function actionSchema<P extends z.ZodType>(p: P) {
  return z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('click'), at: p.optional(), button, clicks: z.union([z.literal(1), z.literal(2), z.literal(3)]) }),
    z.object({ kind: z.literal('move'), to: p }),
    z.object({ kind: z.literal('drag'), from: p.optional(), to: p, button }),
    z.object({ kind: z.literal('mouse_down'), at: p.optional(), button }),
    z.object({ kind: z.literal('mouse_up'), at: p.optional(), button }),
    z.object({ kind: z.literal('scroll'), at: p.optional(), dx: finite, dy: finite }),
    z.object({ kind: z.literal('type'), text: z.string() }),
    z.object({ kind: z.literal('press'), key: z.string(), presses: finite }),
    z.object({ kind: z.literal('hotkey'), keys: z.array(z.string()) }),
    z.object({ kind: z.literal('key_down'), key: z.string() }),
    z.object({ kind: z.literal('key_up'), key: z.string() }),
    z.object({ kind: z.literal('wait'), seconds: finite }),
    z.object({ kind: z.literal('done'), answer: z.string().optional() }),
    z.object({ kind: z.literal('fail'), reason: z.string().optional() }),
    z.object({ kind: z.literal('call_user'), question: z.string().optional() }),
  ]);
}

export const screenActionSchema = actionSchema(point);
export const modelActionSchema = actionSchema(modelPoint);

const runStatus = z.enum([
  'running', 'paused', 'awaiting_confirmation', 'success', 'failure', 'call_user', 'stalled', 'step_limit', 'stopped', 'error',
]);

export const runInfoSchema = z.looseObject({
  version: z.number().int().positive(),
  id: z.string().min(1),
  instruction: z.string(),
  model: z.string(),
  family: z.enum(['kimi', 'uitars', 'pyautogui', 'computer_13']),
  settings: z.looseObject({ maxSteps: z.number().int().positive(), display: z.string().optional(), thinking: z.boolean().optional() }),
  status: runStatus,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  message: z.string().optional(),
  steps: z.number().int().nonnegative(),
  taskId: z.string().optional(),
});

const display = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  x: finite,
  y: finite,
  width: finite,
  height: finite,
  scaleFactor: finite,
  primary: z.boolean(),
});

const recordedAction = z.looseObject({
  model: modelActionSchema,
  capture: screenActionSchema,
  screen: screenActionSchema,
  safety: z
    .object({ decision: z.enum(['allow', 'confirm', 'deny']), rule: z.string().optional(), approved: z.boolean().optional() })
    .optional(),
  execution: z.object({ ok: z.boolean(), error: z.string().optional(), durationMs: finite }).optional(),
});

const generationTimings = z.looseObject({
  totalMs: finite,
  visionMs: finite.optional(),
  prefillMs: finite.optional(),
  prefillTokensPerSecond: finite.optional(),
  decodeTokensPerSecond: finite.optional(),
});

export const stepRecordSchema = z.looseObject({
  version: z.number().int().positive(),
  step: z.number().int().positive(),
  startedAt: z.string(),
  screenshot: z.string().regex(/^[^/\\]+$/, 'must be a file name inside the run folder'),
  observation: z.object({
    display,
    captureWidth: z.number().int().positive(),
    captureHeight: z.number().int().positive(),
    modelWidth: z.number().int().positive(),
    modelHeight: z.number().int().positive(),
  }),
  prompt: z.object({ messages: z.number().int().nonnegative(), images: z.number().int().nonnegative(), chars: z.number().int().nonnegative() }),
  raw: z.string(),
  answer: z.string().optional(),
  thinking: z.string(),
  thought: z.string(),
  summary: z.string().optional(),
  actions: z.array(recordedAction),
  parseError: z.string().optional(),
  feedback: z.string().optional(),
  settle: z.object({ settled: z.boolean(), waitedMs: finite, changed: z.boolean() }).optional(),
  usage: z
    .looseObject({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative(), cachedTokens: z.number().int().nonnegative().optional() })
    .optional(),
  timings: z.looseObject({
    stepMs: finite,
    modelMs: finite,
    generation: generationTimings.optional(),
    executeMs: finite,
    settleMs: finite,
  }),
});

export const trajLineSchema = z.looseObject({
  step_num: z.number().int().positive(),
  action_timestamp: z.string(),
  action: z.string(),
  response: z.string(),
  reward: finite,
  done: z.boolean(),
  info: z.record(z.string(), z.unknown()),
  screenshot_file: z.string(),
});

// Compile-time check that the schemas and the hand-written types in types.ts say the same thing.
type Assignable<A, B> = A extends B ? true : false;
export const schemasMatchTypes: [
  Assignable<z.infer<typeof runInfoSchema>, RunInfo>,
  Assignable<z.infer<typeof stepRecordSchema>, StepRecord>,
  Assignable<z.infer<typeof trajLineSchema>, TrajLine>,
] = [true, true, true];
