/**
 * DeskPilot's MCP tools. The SDK checks arguments against these schemas before a handler runs (a bad
 * one is answered with the schema's message), and a handler's ToolError comes back as a result with
 * isError, worded for the calling model: what was wrong, what to do.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { LoopEvent } from '../loop/events.ts';
import { formatStatus, formatStep } from '../loop/progress.ts';
import { describeAction } from '../protocol/describe.ts';
import { Redactor } from '../safety/redact.ts';
import { elicitationConfirmer, progressSender, type CallExtra } from './caller.ts';
import type { LiveRuns } from './live-runs.ts';
import type { McpModels } from './models.ts';
import { captureScreen, ground } from './screen.ts';
import { DEFAULT_MAX_STEPS, MAX_STEPS_LIMIT, type McpSettings } from './settings.ts';
import { ToolError } from './tool-error.ts';
import { listRuns, runDetails, stepDetails } from './trace-views.ts';

const runId = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]*$/, 'run_id must be a run id as run_task or list_runs gave it (letters, digits, "-", "_", ".")')
  .describe('The run id, as run_task returned it or list_runs lists it.');

const display = z
  .string()
  .regex(/^[\w.-]*:\d+(\.\d+)?$/, 'display must be an X display name like ":0" or ":1.0"; leave it out for the server\'s display')
  .optional()
  .describe('X display to look at, like ":0"; leave it out for the display DeskPilot was started on.');

const text = (value: string): CallToolResult['content'][number] => ({ type: 'text', text: value });
const png = (data: Buffer): CallToolResult['content'][number] => ({ type: 'image', data: data.toString('base64'), mimeType: 'image/png' });

/** A loop event as a progress line for the caller; undefined for events not worth one (model tokens). */
function progressLine(event: LoopEvent): string | undefined {
  switch (event.type) {
    case 'step_started':
      return `step ${event.step}: looking at the screen and asking the model`;
    case 'step_recorded':
      return formatStep(event.record);
    case 'confirm_requested':
      return `step ${event.step}: waiting for confirmation of ${describeAction(event.action.screen)} (rule ${event.verdict.rule ?? '?'})`;
    case 'status':
      if (event.status === 'paused') return 'paused: the user took over the mouse or keyboard; the run waits until the user resumes it (or stop_run ends it)';
      return event.status === 'running' ? undefined : formatStatus(event.status, event.message);
    case 'model_delta':
      return undefined;
  }
}

export function registerTools(server: McpServer, settings: McpSettings, runs: LiveRuns, models: McpModels): void {
  registerRunTask(server, settings, runs);
  registerStopRun(server, runs);
  registerScreenshot(server, settings);
  registerGround(server, settings, models);
  registerListRuns(server, settings, runs);
  registerGetRun(server, settings, runs);
}

function registerRunTask(server: McpServer, settings: McpSettings, runs: LiveRuns): void {
  const [defaultModel] = settings.models;
  server.registerTool(
    'run_task',
    {
      title: 'Do a task on the desktop',
      description:
        'Hands a task to DeskPilot, which does it on the user\'s desktop with its own vision model: it looks at the screen, clicks and types, ' +
        'step by step, until the model says the task is done or failed, or the step cap is reached. Blocks until the run ends and returns its status, ' +
        'the answer, the number of steps and the trace folder; progress comes as notifications (pass a progress token), the first of which names the run id ' +
        'for stop_run. Every action passes the user\'s safety policy: some are denied, some need confirmation (asked through elicitation when your client ' +
        'supports it, otherwise denied). The user can stop the run with a key chord or pause it by using the mouse or keyboard. ' +
        'One run per display at a time. Write the instruction as you would for a person at the computer: what to achieve, in which app, with what data.',
      inputSchema: {
        instruction: z.string().trim().min(1, 'instruction is empty; say what to do on the desktop, e.g. "Open the text editor and write hello"').max(4000, 'instruction is over 4000 characters; say what to achieve in a few sentences').describe('What to do on the desktop, in plain words.'),
        max_steps: z.number().int('max_steps must be a whole number').min(1, 'max_steps must be at least 1').max(MAX_STEPS_LIMIT, `max_steps must be at most ${MAX_STEPS_LIMIT}; split a longer task into several run_task calls`).optional().describe(`Step cap (default ${DEFAULT_MAX_STEPS}, at most ${MAX_STEPS_LIMIT}); one step is one look at the screen and one action or a few.`),
        model: z.enum(settings.models as [string, ...string[]], { error: () => `model must be one of the models the user allowed: ${settings.models.join(', ')}; leave it out for ${defaultModel}` }).optional().describe(`Which of the user's models drives the run: ${settings.models.join(', ')} (default ${defaultModel}).`),
        zoom_clicks: z.boolean('zoom_clicks must be true or false').optional().describe('Before each click, the model looks again at a full-resolution crop around its point and the click goes where that look points: steadier clicks on small targets and large screens, one more model call per click (default false).'),
      },
      outputSchema: {
        run_id: z.string(),
        status: z.string().describe('success, failure, call_user, stalled, step_limit, stopped or error'),
        answer: z.string().optional().describe('The model\'s final answer (success) or its reason (other endings).'),
        steps: z.number(),
        trace: z.string().describe('The trace folder: run.json, steps.jsonl and a screenshot per step.'),
      },
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    async (args, extra) =>
      runTask(server, runs, { instruction: args.instruction, maxSteps: args.max_steps ?? DEFAULT_MAX_STEPS, model: args.model ?? defaultModel!, zoomClicks: args.zoom_clicks ?? false }, extra),
  );
}

async function runTask(server: McpServer, runs: LiveRuns, args: { instruction: string; maxSteps: number; model: string; zoomClicks: boolean }, extra: CallExtra): Promise<CallToolResult> {
  const send = progressSender(extra);
  // A confirmation's action (typed text) reaches the events unredacted; the caller sees what a trace shows.
  const redactor = Redactor.fromEnvironment();
  const progress = (line: string) => send.send(redactor.redact(line));
  const confirm = elicitationConfirmer(server.server, extra);
  const started = await runs.start({
    ...args,
    ...(confirm ? { confirm } : {}),
    onEvent: (event) => {
      const line = progressLine(event);
      if (line !== undefined) progress(line);
    },
  });
  progress(`run ${started.id} started; stop it with stop_run {"run_id": "${started.id}"}; trace in ${started.dir}`);
  // The caller cancelling its request stops the run, as stop_run would.
  const onCancel = () => runs.stop(started.id);
  extra.signal.addEventListener('abort', onCancel, { once: true });
  const outcome = await started.outcome.finally(() => extra.signal.removeEventListener('abort', onCancel));
  await send.flush();
  const result = { run_id: started.id, status: outcome.status, ...(outcome.message !== undefined ? { answer: outcome.message } : {}), steps: outcome.steps, trace: started.dir };
  const lines = [formatStatus(outcome.status, outcome.message), `steps: ${outcome.steps}`, `run_id: ${started.id}`, `trace: ${started.dir}`, 'get_run shows each step (with step: N, its screenshot).'];
  return { content: [text(lines.join('\n'))], structuredContent: result };
}

function registerStopRun(server: McpServer, runs: LiveRuns): void {
  server.registerTool(
    'stop_run',
    {
      title: 'Stop a run',
      description: 'Stops a run that run_task started, after its current action; a pending confirmation counts as declined. The run_task call then returns with status "stopped".',
      inputSchema: { run_id: runId },
      annotations: { idempotentHint: true },
    },
    async ({ run_id }) => {
      if (!runs.stop(run_id)) throw new ToolError(`run "${run_id}" is not running (it has ended, or no such run exists); list_runs shows the runs and which are live`);
      return { content: [text(`stopping run ${run_id} after its current action; its run_task call returns with status "stopped"`)] };
    },
  );
}

function registerScreenshot(server: McpServer, settings: McpSettings): void {
  server.registerTool(
    'screenshot',
    {
      title: 'Screenshot of the desktop',
      description: 'The current screen of the display as a PNG, with the regions and windows the user masked blacked out (as DeskPilot\'s model sees it). Coordinates in it are screen pixels of the display.',
      inputSchema: { display },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      const shot = await captureScreen(args.display ?? settings.display, settings.safety.mask ?? {});
      const d = shot.observation.display;
      return { content: [png(shot.png), text(`display ${args.display ?? settings.display ?? '(default)'}, monitor ${d.id}: ${d.width}x${d.height} at (${d.x}, ${d.y}), screenshot ${shot.observation.image.width}x${shot.observation.image.height} px`)] };
    },
  );
}

function registerGround(server: McpServer, settings: McpSettings, models: McpModels): void {
  const [model] = settings.models;
  server.registerTool(
    'ground',
    {
      title: 'Find something on the screen',
      description: `Asks DeskPilot's model (${model}) where something is on the current screen: returns the point in screen coordinates (where a click would land) and the masked screenshot with the point marked. It looks only; nothing is clicked.`,
      inputSchema: {
        description: z.string().trim().min(1, 'description is empty; say what to find, e.g. "the Save button in the toolbar"').max(1000, 'description is over 1000 characters; name the thing in a sentence').describe('What to find, by its visible text, kind and place, e.g. "the Add button under the name field".'),
        display,
      },
      outputSchema: { x: z.number(), y: z.number(), display: z.string(), answer: z.string().describe('The model\'s reply.') },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      const where = args.display ?? settings.display;
      const shot = await captureScreen(where, settings.safety.mask ?? {});
      const lent = await models.acquire(model!);
      const found = await ground(args.description, lent.backend, shot, extra.signal).finally(() => lent.release());
      const result = { x: found.screen.x, y: found.screen.y, display: where ?? '(default)', answer: found.answer };
      return { content: [text(`"${args.description}" is at x=${found.screen.x} y=${found.screen.y} (screen pixels of display ${result.display})`), png(found.marked)], structuredContent: result };
    },
  );
}

function registerListRuns(server: McpServer, settings: McpSettings, runs: LiveRuns): void {
  server.registerTool(
    'list_runs',
    {
      title: 'List runs',
      description: 'The runs in DeskPilot\'s runs folder, newest first: id, status, instruction, step count, and whether it is still going (live).',
      inputSchema: { limit: z.number().int('limit must be a whole number').min(1, 'limit must be at least 1').max(200, 'limit must be at most 200').optional().describe('How many runs, newest first (default 20).') },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      const list = await listRuns(settings.runsDir, (id) => runs.isLive(id), args.limit ?? 20);
      const lines = list.map((r) => `${r.run_id}  ${r.live ? 'live ' : ''}${r.status}  ${r.steps} steps  ${JSON.stringify(r.instruction)}`);
      return { content: [text(lines.length > 0 ? lines.join('\n') : 'no runs yet')], structuredContent: { runs: list } };
    },
  );
}

function registerGetRun(server: McpServer, settings: McpSettings, runs: LiveRuns): void {
  server.registerTool(
    'get_run',
    {
      title: 'Read a run\'s trace',
      description: 'Without step: the run\'s summary and one line per step. With step: that step in full (the model\'s reply, each action with its safety decision and outcome, what the model was told) and its screenshot.',
      inputSchema: { run_id: runId, step: z.number().int('step must be a whole number').min(1, 'steps count from 1').optional().describe('A step number (from 1) to see in full, with its screenshot.') },
      annotations: { readOnlyHint: true },
    },
    async ({ run_id, step }) => {
      if (step !== undefined) {
        const details = await stepDetails(settings.runsDir, run_id, step);
        return { content: [text(details.text), ...(details.screenshot ? [png(details.screenshot)] : [])] };
      }
      const run = await runDetails(settings.runsDir, run_id, runs.isLive(run_id));
      const s = run.summary;
      const lines = [
        `run ${s.run_id}: ${formatStatus(s.status, s.message)}${s.live ? ' (live)' : ''}`,
        `instruction: ${s.instruction}`,
        `model: ${s.model}; started ${s.started_at}${s.ended_at ? `, ended ${s.ended_at}` : ''}; trace ${run.trace}`,
        ...run.steps,
        ...run.warnings.map((w) => `warning: ${w}`),
      ];
      return { content: [text(lines.join('\n'))], structuredContent: { ...s, step_lines: run.steps, trace: run.trace } };
    },
  );
}
