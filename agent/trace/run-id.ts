import { randomBytes } from 'node:crypto';

/**
 * A run id sorts by start time and stays unique when many runs start in the same second
 * (batch workers): "20261129-041530-a3f9c1".
 */
export function newRunId(now: Date = new Date(), suffix: string = randomBytes(3).toString('hex')): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${suffix}`;
}

/** OSWorld's action timestamp, "%Y%m%d@%H%M%S" (local time, as its harness writes it). */
export function osworldTimestamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}` +
    `@${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`
  );
}

/** The screenshot file of a step, named as OSWorld names it so its tooling finds the images. */
export function screenshotFileName(step: number, now: Date): string {
  return `step_${step}_${osworldTimestamp(now)}.png`;
}

export const TRACE_FILES = {
  run: 'run.json',
  steps: 'steps.jsonl',
  traj: 'traj.jsonl',
} as const;
