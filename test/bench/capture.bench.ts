/**
 * Capture-to-model-ready latency at 1920x1080: from "take a screenshot" to an RgbImage in this
 * process. Candidates: DesktopEnvironment.observe with each grabber the driver has (nut-js, the
 * default, and node-screenshots, the fallback), against screenshot-desktop (ImageMagick `import`
 * to PNG, decoded with sharp) as the baseline. Printed as ratios against the baseline; the part
 * spent inside the driver (grab + BGRA->RGB) is shown separately from the hand-over.
 */
import { createRequire } from 'node:module';
import { DesktopEnvironment } from '../../agent/env/desktop/environment.ts';
import { DriverClient } from '../../agent/env/desktop/driver-client.ts';
import type { GrabMethod } from '../../agent/env/desktop/grabbers.ts';
import { startVirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { decodePng } from '../../agent/image/png.ts';
import type { RgbImage } from '../../models/image.ts';

const require = createRequire(import.meta.url);
const RUNS = 10;

async function median(label: string, f: () => Promise<RgbImage>): Promise<number> {
  for (let i = 0; i < 2; i++) await f(); // warm up JIT and caches
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const image = await f();
    times.push(performance.now() - t);
    if (image.width !== 1920 || image.height !== 1080 || image.data.length !== 1920 * 1080 * 3) {
      throw new Error(`${label} returned ${image.width}x${image.height}`);
    }
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

export default async function capture(): Promise<void> {
  const vd = await startVirtualDisplay({ size: '1920x1080', windowManager: false });
  const savedDisplay = process.env.DISPLAY;
  process.env.DISPLAY = vd.display; // screenshot-desktop reads it
  const driver = await DriverClient.start(vd.display);
  const envs = new Map<GrabMethod, DesktopEnvironment>(
    (['nut-js', 'node-screenshots'] as const).map((m) => [m, new DesktopEnvironment({ display: vd.display, grabMethod: m })]),
  );
  try {
    const screenshotDesktop = require('screenshot-desktop') as (o: { format: string }) => Promise<Buffer>;
    const baseline = await median('screenshot-desktop', async () => decodePng(await screenshotDesktop({ format: 'png' })));
    const line = (name: string, ms: number) =>
      `${name.padEnd(48)} ${ms.toFixed(1).padStart(7)} ms   ${(baseline / ms).toFixed(2)}x vs screenshot-desktop`;
    console.log(`median of ${RUNS} captures, 1920x1080 -> RgbImage in this process`);
    console.log(line('screenshot-desktop (import PNG + sharp decode)', baseline));
    for (const [method, env] of envs) {
      await env.displays();
      console.log(line(`DesktopEnvironment.observe, ${method}${method === 'nut-js' ? ' (default)' : ''}`, await median(method, async () => (await env.observe()).image)));
      const grabMs: number[] = [];
      await median(`${method} in driver`, async () => {
        const { image, reply } = await driver.capture(0, 0, 1920, 1080, method);
        grabMs.push(reply.grabMs);
        return image;
      });
      const inDriver = grabMs.slice(2).sort((a, b) => a - b)[Math.floor(RUNS / 2)];
      console.log(line(`  of which grab + convert inside the driver`, inDriver));
    }
  } finally {
    await Promise.all([...envs.values()].map((e) => e.dispose()));
    await driver.dispose();
    await vd.dispose();
    if (savedDisplay === undefined) delete process.env.DISPLAY;
    else process.env.DISPLAY = savedDisplay;
  }
}
