/**
 * The kimi-vl backend through its worker thread, on a real tiny package: the caller's event loop keeps
 * running during generation, events stream before the end, AbortSignal cancels, and the backend
 * reports what the agent needs (family, coordinate unit, the processor's resize).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRgbImage } from '../../models/image.ts';
import { collectGeneration, type GenerationEvent, type VlmBackend } from '../../models/types.ts';
import { openKimiBackend, packageDirFromSpec } from '../../models/kimi/backend.ts';
import { makeTinyPackage, type TinyPackage } from '../support/kimi-package.ts';

let tiny: TinyPackage;
let backend: VlmBackend;

const image = createRgbImage(120, 90);
image.data.forEach((_, i) => (image.data[i] = (i * 31) & 255));
const request = (maxNewTokens: number) => ({
  messages: [{ role: 'user' as const, content: [{ type: 'image' as const, image }, { type: 'text' as const, text: 'describe' }] }],
  sampling: { maxNewTokens },
});

beforeAll(async () => {
  tiny = await makeTinyPackage();
  backend = await openKimiBackend(`kimi-vl:${tiny.pkg}`, { provider: 'cpu' });
}, 300_000);

afterAll(async () => {
  await backend?.dispose();
});

describe('kimi-vl backend (worker thread)', () => {
  it('reports family kimi, relative coordinates, and the processor resize as imageSizeFor', () => {
    const info = backend.info();
    expect(info.spec).toBe(`kimi-vl:${tiny.pkg}`);
    expect(info.family).toBe('kimi');
    expect(info.coordinates).toBe('relative');
    expect(info.contextLength).toBe(4096);
    // kimi-vl.md §1: 1920x1080 at in_token_limit 4096 is resized to 1196x672; small images are kept.
    expect(info.imageSizeFor?.(1920, 1080)).toEqual({ width: 1196, height: 672 });
    expect(info.imageSizeFor?.(800, 600)).toEqual({ width: 800, height: 600 });
  });

  it('the main event loop keeps ticking while the model generates (paired with an in-thread control)', async () => {
    // A long prompt makes one prefill run long enough to see: in-thread, no timer fires during it.
    const long = { messages: [{ role: 'user' as const, content: 'the quick brown fox jumps over the lazy dog '.repeat(300) }], sampling: { maxNewTokens: 8 } };
    const watch = async (work: () => Promise<unknown>) => {
      let last = performance.now();
      let maxGap = 0;
      let ticks = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
        ticks++;
      }, 5);
      const t0 = performance.now();
      await work();
      const elapsed = performance.now() - t0;
      clearInterval(timer);
      maxGap = Math.max(maxGap, performance.now() - last);
      return { maxGap, ticks, elapsed };
    };
    const { KimiEngine } = await import('../../models/kimi/runtime/engine.ts');
    // The control prefills in one session run (no chunks), which blocks its thread from start to end.
    const engine = await KimiEngine.open(tiny.pkg, { provider: 'cpu', prefillChunk: 0 });
    const inThread = await watch(() => collectGeneration(engine.generate(long))).finally(() => engine.dispose());
    const inWorker = await watch(() => collectGeneration(backend.generate(long)));
    // In-thread the prefill alone blocks the loop; through the worker the timer keeps firing.
    expect(inThread.maxGap).toBeGreaterThan(100);
    expect(inWorker.maxGap).toBeLessThan(inThread.maxGap / 2);
    expect(inWorker.ticks).toBeGreaterThan(inWorker.elapsed / 50);
  }, 300_000);

  it('streams deltas before the end, and an abort ends the generation early as cancelled', async () => {
    const controller = new AbortController();
    const events: GenerationEvent[] = [];
    for await (const event of backend.generate(request(200), controller.signal)) {
      events.push(event);
      if (events.length === 3) controller.abort();
    }
    const done = events.at(-1);
    if (done?.type !== 'done') throw new Error('no done event');
    expect(events.filter((e) => e.type === 'answer').length).toBeGreaterThanOrEqual(3);
    expect(done.result.finishReason).toBe('cancelled');
    expect(done.result.usage!.completionTokens).toBeLessThan(200);
    expect(done.result.answer).toBe(events.flatMap((e) => (e.type === 'answer' ? [e.delta] : [])).join(''));
  });

  it('a consumer that stops reading early leaves the backend usable', async () => {
    for await (const event of backend.generate(request(200))) {
      if (event.type === 'answer') break;
    }
    const again = await collectGeneration(backend.generate(request(3)));
    expect(again.usage?.completionTokens).toBe(3);
  });

  it('bad sampling settings come back as a clear error naming the field', async () => {
    await expect(collectGeneration(backend.generate({ ...request(3), sampling: { temperature: -2 } }))).rejects.toThrow(/sampling.temperature must be a number >= 0 \(got -2\)/);
  });

  it('a folder that is not a package is refused with what to do', async () => {
    await expect(openKimiBackend('/nonexistent/pkg')).rejects.toThrow(/not a model package \(no manifest.json\).*deskpilot model convert/);
    expect(() => packageDirFromSpec('openai:http://x')).toThrow(/kimi-vl:<package-dir>/);
  });
});
