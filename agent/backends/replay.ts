/**
 * replay:<trace-dir>: answers with the raw replies recorded in the trace's steps.jsonl, in order, so the
 * loop reproduces a recorded run (and its failure) deterministically. The model image size is the one
 * recorded, so coordinates map exactly as they did.
 */
import type { BackendInfo, CoordinateUnit } from '../../models/types.ts';
import { readTrace, TraceFormatError } from '../trace/reader.ts';
import type { RunInfo, StepRecord } from '../trace/types.ts';
import { BackendInputError } from './errors.ts';
import { defaultCoordinates } from '../../models/family.ts';
import { ScriptedBackend } from './scripted.ts';

const UNITS: readonly string[] = ['relative', 'thousand', 'image', 'screen'];

/** The unit the recorded replies wrote points in: run.json's settings.coordinates, else the family's default. */
export function recordedCoordinates(run: RunInfo): CoordinateUnit {
  const recorded = run.settings['coordinates'];
  return typeof recorded === 'string' && UNITS.includes(recorded) ? (recorded as CoordinateUnit) : defaultCoordinates(run.family);
}

/** The recorded capture -> model image sizes; other capture sizes scale like the first one did. */
export function recordedImageSizes(steps: StepRecord[]): BackendInfo['imageSizeFor'] {
  const first = steps[0]?.observation;
  if (!first) return undefined;
  if (steps.every((s) => s.observation.modelWidth === s.observation.captureWidth && s.observation.modelHeight === s.observation.captureHeight)) {
    return undefined;
  }
  const sizes = new Map(steps.map((s) => [`${s.observation.captureWidth}x${s.observation.captureHeight}`, s.observation]));
  return (width, height) => {
    const known = sizes.get(`${width}x${height}`);
    if (known) return { width: known.modelWidth, height: known.modelHeight };
    return {
      width: Math.max(1, Math.round((width * first.modelWidth) / first.captureWidth)),
      height: Math.max(1, Math.round((height * first.modelHeight) / first.captureHeight)),
    };
  };
}

export async function openReplayBackend(spec: string, traceDir: string): Promise<ScriptedBackend> {
  let trace;
  try {
    trace = await readTrace(traceDir);
  } catch (error) {
    if (error instanceof TraceFormatError) throw new BackendInputError(`replay trace: ${error.message}`);
    throw error;
  }
  if (trace.steps.length === 0) throw new BackendInputError(`replay trace ${traceDir} has no recorded steps to replay`);
  const coordinates = recordedCoordinates(trace.run);
  const imageSizeFor = recordedImageSizes(trace.steps);
  return new ScriptedBackend({
    spec,
    family: trace.run.family,
    coordinates,
    replies: trace.steps.map((s) => s.raw),
    source: `trace ${traceDir}`,
    ...(imageSizeFor ? { imageSizeFor } : {}),
  });
}
