/**
 * Masking end to end: a real run on Xvfb with --mask-region's hook; the region is black in the image the
 * model receives and in the screenshot saved in the trace, and the rest of the screen is not.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DesktopEnvironment } from '../../agent/env/desktop/environment.ts';
import { decodePng } from '../../agent/image/png.ts';
import { defaultParts } from '../../agent/loop/default-parts.ts';
import { runAgent } from '../../agent/loop/run-agent.ts';
import { setupSafety } from '../../agent/run/safety-hooks.ts';
import { TraceWriter } from '../../agent/trace/writer.ts';
import type { RgbImage } from '../../models/image.ts';
import type { ChatRequest, GenerationEvent, VlmBackend } from '../../models/types.ts';
import { useFormDesktop } from '../support/chromium-page.ts';

/** A stand-in model (not a VLM) that keeps the images it is shown and ends the task at once. */
class ImageKeeper implements VlmBackend {
  images: RgbImage[] = [];
  info() {
    return { spec: 'image-keeper', family: 'pyautogui' as const, coordinates: 'screen' as const };
  }
  async *generate(request: ChatRequest): AsyncIterable<GenerationEvent> {
    for (const m of request.messages) if (typeof m.content !== 'string') for (const p of m.content) if (p.type === 'image') this.images.push(p.image);
    yield { type: 'done', result: { raw: 'DONE', thinking: '', answer: 'DONE', finishReason: 'stop', timings: { totalMs: 0 } } };
  }
  async dispose() {}
}

const pixel = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

const desktop = useFormDesktop();

describe('masking a screen region', () => {
  it('is black for the model and in the saved screenshot, and only there', async () => {
    const region = { x: 20, y: 20, width: 360, height: 100 }; // covers the form's text input
    const safety = await setupSafety({ mask: { regions: [region] } }, { display: desktop.vd.display, onEmergencyStop: () => undefined, onWarning: () => undefined });
    const environment = new DesktopEnvironment({ display: desktop.vd.display });
    const model = new ImageKeeper();
    const out = join(mkdtempSync(join(tmpdir(), 'mask-run-')), 'trace');
    const trace = await TraceWriter.create(out, { instruction: 'look', model: 'image-keeper', family: 'pyautogui', settings: { maxSteps: 1 } });
    try {
      const outcome = await runAgent({ instruction: 'look', backend: model, environment, parts: defaultParts, maxSteps: 1, trace, hooks: safety.hooks });
      expect(outcome.status).toBe('success');
    } finally {
      await trace.close();
      await environment.dispose();
      safety.dispose();
    }
    const saved = await decodePng(readFileSync(join(out, JSON.parse(readFileSync(join(out, 'steps.jsonl'), 'utf8').split('\n')[0]).screenshot)));
    for (const img of [model.images[0], saved]) {
      expect(img.width).toBe(800);
      for (const [x, y] of [[20, 20], [200, 70], [379, 119]]) expect(pixel(img, x, y)).toEqual([0, 0, 0]);
      for (const [x, y] of [[19, 19], [500, 300], [200, 121]]) expect(pixel(img, x, y)).not.toEqual([0, 0, 0]);
    }
  }, 120_000);
});
