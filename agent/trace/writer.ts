/**
 * Writes one run folder: run.json (rewritten atomically on each status change), steps.jsonl (the full
 * StepRecord per step), traj.jsonl (OSWorld's lines) and step_<N>_<timestamp>.png. The screenshot is
 * durable before the record that names it, so a reader never meets a record without its image.
 */
import { mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isTerminal } from '../protocol/actions.ts';
import type { RgbImage } from '../../models/image.ts';
import { JsonLinesAppender, syncDir, writeFileAtomic } from './durable-file.ts';
import { osworldActionString } from './osworld-action.ts';
import { encodePng } from '../image/png.ts';
import { newRunId, osworldTimestamp, screenshotFileName, TRACE_FILES } from './run-id.ts';
import { TRACE_VERSION, type RunInfo, type RunStatus, type StepRecord, type TrajLine } from './types.ts';

export interface TraceStart {
  instruction: string;
  model: string;
  family: RunInfo['family'];
  settings: RunInfo['settings'];
  taskId?: string;
  /** Defaults to a fresh run id. */
  id?: string;
}

export class TraceWriter {
  private stepsFile: JsonLinesAppender;
  private trajFile: JsonLinesAppender;
  private info: RunInfo;
  /** Serialises writes, so a status change racing a step record cannot interleave files. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    info: RunInfo,
    steps: JsonLinesAppender,
    traj: JsonLinesAppender,
  ) {
    this.info = info;
    this.stepsFile = steps;
    this.trajFile = traj;
  }

  /** Creates the run folder (or uses an empty existing one) and writes run.json with status "running". */
  static async create(dir: string, start: TraceStart, now: Date = new Date()): Promise<TraceWriter> {
    await mkdir(dir, { recursive: true });
    const existing = (await readdir(dir)).filter((f) => !f.startsWith('.'));
    if (existing.length > 0) {
      throw new Error(`trace folder ${dir} is not empty (holds ${existing.slice(0, 3).join(', ')}); choose a new --out folder`);
    }
    const info: RunInfo = {
      version: TRACE_VERSION,
      id: start.id ?? newRunId(now),
      instruction: start.instruction,
      model: start.model,
      family: start.family,
      settings: start.settings,
      status: 'running',
      startedAt: now.toISOString(),
      steps: 0,
      ...(start.taskId !== undefined ? { taskId: start.taskId } : {}),
    };
    await writeFileAtomic(join(dir, TRACE_FILES.run), JSON.stringify(info, null, 2) + '\n');
    const steps = await JsonLinesAppender.open(join(dir, TRACE_FILES.steps));
    const traj = await JsonLinesAppender.open(join(dir, TRACE_FILES.traj));
    return new TraceWriter(dir, info, steps, traj);
  }

  get run(): Readonly<RunInfo> {
    return this.info;
  }

  /** Writes the step's screenshot durably and returns its file name for the record. */
  writeScreenshot(step: number, image: RgbImage, at: Date = new Date()): Promise<string> {
    return this.enqueue(async () => {
      const name = screenshotFileName(step, at);
      const png = await encodePng(image);
      const handle = await open(join(this.dir, name), 'w');
      try {
        await handle.writeFile(png);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await syncDir(this.dir);
      return name;
    });
  }

  /** Appends the step to steps.jsonl, then its OSWorld lines to traj.jsonl. */
  writeStep(record: StepRecord): Promise<void> {
    return this.enqueue(async () => {
      await this.stepsFile.append(record);
      for (const line of trajLines(record)) await this.trajFile.append(line);
      this.info = { ...this.info, steps: Math.max(this.info.steps, record.step) };
      // Readers that only open run.json (the trace library) see a live run's step count too.
      await writeFileAtomic(join(this.dir, TRACE_FILES.run), JSON.stringify(this.info, null, 2) + '\n');
    });
  }

  /** Rewrites run.json with a new status; a final status also stamps endedAt. */
  setStatus(status: RunStatus, message?: string, now: Date = new Date()): Promise<void> {
    return this.enqueue(async () => {
      const final = !['running', 'paused', 'awaiting_confirmation'].includes(status);
      this.info = { ...this.info, status, ...(message !== undefined ? { message } : {}) };
      if (final) this.info.endedAt = now.toISOString();
      await writeFileAtomic(join(this.dir, TRACE_FILES.run), JSON.stringify(this.info, null, 2) + '\n');
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.stepsFile.close();
    await this.trajFile.close();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** OSWorld writes one traj line per executed action; a step without actions still gets one line. */
export function trajLines(record: StepRecord): TrajLine[] {
  const stamp = /^step_\d+_(.+)\.png$/.exec(record.screenshot)?.[1] ?? osworldTimestamp(new Date(record.startedAt));
  const base = {
    step_num: record.step,
    action_timestamp: stamp,
    response: record.raw,
    reward: 0,
    screenshot_file: record.screenshot,
  };
  if (record.actions.length === 0) {
    return [{ ...base, action: '', done: false, info: record.parseError ? { parse_error: record.parseError } : {} }];
  }
  return record.actions.map((a) => ({
    ...base,
    action: osworldActionString(a.screen),
    done: isTerminal(a.screen),
    info: {
      ...(a.safety ? { safety: a.safety } : {}),
      ...(a.execution ? { execution: a.execution } : {}),
    },
  }));
}
