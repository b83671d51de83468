/**
 * Run-folder fixtures written through the real TraceWriter (so the UI is tested against the format
 * the agent really writes) and a finished bench folder in the runner's documented layout.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRgbImage, type RgbImage } from '../../models/image.ts';
import type { RecordedAction } from '../../agent/protocol/actions.ts';
import type { StepRecord } from '../../agent/trace/types.ts';
import { TRACE_VERSION } from '../../agent/trace/types.ts';
import { TraceWriter } from '../../agent/trace/writer.ts';

/** A 320x200 image whose colour depends on the step, so screenshots of different steps differ. */
function screenshot(step: number): RgbImage {
  const image = createRgbImage(320, 200);
  for (let i = 0; i < image.width * image.height; i++) {
    image.data[i * 3] = (step * 70) % 256;
    image.data[i * 3 + 1] = (i % image.width) % 256;
    image.data[i * 3 + 2] = 120;
  }
  return image;
}

const display = { id: '0', x: 0, y: 0, width: 640, height: 400, scaleFactor: 1, primary: true };

/** Model [0,1] -> capture (320x200) -> screen (640x400): the three spaces differ so the UI must show each. */
export const FIXTURE_ACTIONS: RecordedAction[][] = [
  [{ model: { kind: 'click', at: { x: 0.25, y: 0.5, unit: 'relative' }, button: 'left', clicks: 1 }, capture: { kind: 'click', at: { x: 80, y: 100 }, button: 'left', clicks: 1 }, screen: { kind: 'click', at: { x: 160, y: 200 }, button: 'left', clicks: 1 }, execution: { ok: true, durationMs: 12 } }],
  [{ model: { kind: 'type', text: 'hello world' }, capture: { kind: 'type', text: 'hello world' }, screen: { kind: 'type', text: 'hello world' }, execution: { ok: true, durationMs: 40 } }],
  [
    {
      model: { kind: 'drag', from: { x: 0.1, y: 0.1, unit: 'relative' }, to: { x: 0.5, y: 0.5, unit: 'relative' }, button: 'left' },
      capture: { kind: 'drag', from: { x: 32, y: 20 }, to: { x: 160, y: 100 }, button: 'left' },
      screen: { kind: 'drag', from: { x: 64, y: 40 }, to: { x: 320, y: 200 }, button: 'left' },
      execution: { ok: true, durationMs: 300 },
    },
    { model: { kind: 'scroll', at: { x: 0.5, y: 0.5, unit: 'relative' }, dx: 0, dy: 3 }, capture: { kind: 'scroll', at: { x: 160, y: 100 }, dx: 0, dy: 3 }, screen: { kind: 'scroll', at: { x: 320, y: 200 }, dx: 0, dy: 3 }, execution: { ok: true, durationMs: 20 } },
  ],
  [{ model: { kind: 'done', answer: 'finished' }, capture: { kind: 'done', answer: 'finished' }, screen: { kind: 'done', answer: 'finished' } }],
];

export async function writeFixtureRun(runsDir: string, id: string, instruction: string, stepCount = FIXTURE_ACTIONS.length): Promise<string> {
  const dir = join(runsDir, id);
  const writer = await TraceWriter.create(dir, { id, instruction, model: 'script:/fixture/replies.json', family: 'kimi', settings: { maxSteps: 15 } });
  for (let step = 1; step <= stepCount; step++) {
    const actions = FIXTURE_ACTIONS[(step - 1) % FIXTURE_ACTIONS.length];
    const name = await writer.writeScreenshot(step, screenshot(step));
    const record: StepRecord = {
      version: TRACE_VERSION,
      step,
      startedAt: new Date(Date.UTC(2026, 10, 29, 4, 0, step)).toISOString(),
      screenshot: name,
      observation: { display, captureWidth: 320, captureHeight: 200, modelWidth: 320, modelHeight: 200 },
      prompt: { messages: 2, images: 1, chars: 100 },
      raw: `## Action:\nstep ${step} raw reply\n## Code:\n${actions[0].model.kind}`,
      thinking: '',
      thought: `thought of step ${step}`,
      actions,
      timings: { stepMs: 1000 + step, modelMs: 800, executeMs: 50, settleMs: 100 },
    };
    // Step 1 as a local model records it; the others as older traces and script backends do (no figures).
    if (step === 1) {
      record.usage = { promptTokens: 4312, completionTokens: 40, cachedTokens: 3200 };
      record.timings.generation = { totalMs: 7000, visionMs: 1200, prefillMs: 2500, decodeTokensPerSecond: 15 };
    }
    await writer.writeStep(record);
  }
  await writer.setStatus('success', 'finished');
  await writer.close();
  return dir;
}

/** A finished bench run: summary.json plus per-task result.txt, one task with a trace to drill into. */
export async function writeFixtureBench(runsDir: string, id: string): Promise<void> {
  const dir = join(runsDir, id);
  const tasks: [string, string, number][] = [
    ['os', 'task-os-1', 1],
    ['os', 'task-os-2', 0],
    ['chrome', 'task-chrome-1', 1],
  ];
  // The runner writes a task's trace into the task folder itself, result.txt last.
  await writeFixtureRun(join(dir, 'chrome'), 'task-chrome-1', 'open the bench page', 2);
  for (const [domain, task, score] of tasks) {
    await mkdir(join(dir, domain, task), { recursive: true });
    await writeFile(join(dir, domain, task, 'result.txt'), `${score}\n`);
  }
  await writeFile(join(dir, 'bench.json'), JSON.stringify({ suite: 'fixture-suite', model: 'script:/oracles', startedAt: '2026-11-29T04:00:00Z' }));
  await writeFile(
    join(dir, 'summary.json'),
    JSON.stringify({ overall: 2 / 3, domains: { os: { score: 0.5, tasks: 2 }, chrome: { score: 1, tasks: 1 } }, groups: {}, tasks: { 'task-os-1': 1, 'task-os-2': 0, 'task-chrome-1': 1 } }),
  );
}
