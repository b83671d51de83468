/**
 * The runs the MCP server has going, shared by all its sessions (so one session can stop another's run).
 * Every run is assembled by openRun(), with the user's safety settings; a caller adds only the
 * instruction, the step cap, a model from the user's list (opened once, see McpModels), zoom-in clicks and how
 * confirmations reach it. One run
 * drives a display at a time: a second would fight the first for the mouse.
 */
import { join } from 'node:path';
import type { LoopEventListener } from '../loop/events.ts';
import type { RunOutcome } from '../loop/run-agent.ts';
import { openRun, RunInputError, type OpenRun } from '../run/open-run.ts';
import type { Confirmer } from '../safety/types.ts';
import { newRunId } from '../trace/run-id.ts';
import type { McpModels } from './models.ts';
import type { McpSettings } from './settings.ts';
import { ToolError } from './tool-error.ts';

export interface StartRun {
  instruction: string;
  maxSteps: number;
  model: string;
  /** Look again at a crop around each click's point before it runs (run --zoom-clicks). */
  zoomClicks: boolean;
  /** How a "confirm" reaches the caller; without one it is denied (nobody to ask). */
  confirm?: Confirmer;
  onEvent: LoopEventListener;
}

export interface StartedRun {
  id: string;
  dir: string;
  /** Settles when the run has ended and its trace is closed. */
  outcome: Promise<RunOutcome>;
}

const displayKey = (display: string | undefined) => display ?? '(default)';

export class LiveRuns {
  private readonly runs = new Map<string, { opened: OpenRun; outcome?: Promise<RunOutcome> }>();
  /** Displays with a run starting or going, and which run. */
  private readonly displays = new Map<string, string>();

  constructor(
    private readonly settings: McpSettings,
    private readonly models: McpModels,
  ) {}

  isLive(id: string): boolean {
    return this.runs.has(id);
  }

  async start(request: StartRun): Promise<StartedRun> {
    const display = displayKey(this.settings.display);
    const busy = this.displays.get(display);
    if (busy !== undefined) {
      throw new ToolError(`run ${busy} is still driving display ${display}; wait for its run_task to return, or call stop_run with run_id "${busy}", then try again`);
    }
    const id = newRunId();
    this.displays.set(display, id);
    let opened: OpenRun;
    try {
      const backend = await this.models.acquire(request.model);
      opened = await openRun({
        backend,
        id,
        out: join(this.settings.runsDir, id),
        instruction: request.instruction,
        model: request.model,
        maxSteps: request.maxSteps,
        reasoning: request.zoomClicks ? { zoomClicks: true } : {},
        ...(this.settings.display !== undefined ? { display: this.settings.display } : {}),
        safety: { ...this.settings.safety, ...(request.confirm ? { confirm: request.confirm } : {}) },
        onEvent: request.onEvent,
        onWarning: (message) => process.stderr.write(`run ${id}: warning: ${message}\n`),
        onEmergencyStop: () => process.stderr.write(`run ${id}: emergency stop\n`),
      });
    } catch (error) {
      this.displays.delete(display);
      if (error instanceof RunInputError) throw new ToolError(`the run could not start: ${error.message}`);
      throw error;
    }
    const live: { opened: OpenRun; outcome?: Promise<RunOutcome> } = { opened };
    this.runs.set(id, live);
    const outcome = (async (): Promise<RunOutcome> => {
      try {
        return await opened.run();
      } catch (error) {
        const message = (error as Error).message;
        await opened.trace.setStatus('error', message).catch(() => undefined);
        return { status: 'error', message, steps: opened.trace.run.steps };
      } finally {
        await opened.close();
        this.runs.delete(id);
        this.displays.delete(display);
      }
    })();
    live.outcome = outcome;
    return { id, dir: opened.dir, outcome };
  }

  /** Stops a live run after its current action; false when no such run is going. */
  stop(id: string): boolean {
    const live = this.runs.get(id);
    live?.opened.stop();
    return live !== undefined;
  }

  /** Resumes every run paused because the user took over (the user's signal, never a caller's). */
  resumePaused(): number {
    let resumed = 0;
    for (const { opened } of this.runs.values()) {
      if (opened.pause.paused) {
        opened.pause.resume();
        resumed += 1;
      }
    }
    return resumed;
  }

  /** Stops every run and waits until their traces are closed. */
  async dispose(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const { opened } of runs) opened.stop();
    await Promise.allSettled(runs.map(({ opened, outcome }) => outcome ?? opened.close()));
  }
}
