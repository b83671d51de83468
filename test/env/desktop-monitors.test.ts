import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DesktopEnvironment } from '../../agent/env/desktop/environment.ts';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { calibrate, openEventPage, takeEvents, waitForEvent } from './helpers/event-page.ts';

// Two monitors of different sizes: Xvfb screens :N.0 (1024x768) and :N.1 (1280x720), which the
// environment lays out side by side, so the second starts at x = 1024.
let vd: VirtualDisplay;
let env: DesktopEnvironment;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  vd = await startVirtualDisplay({ size: '1024x768', extraScreens: ['1280x720'], windowManager: false });
  env = new DesktopEnvironment({ display: vd.display });
  // A Chromium window on the second monitor only.
  [{ browser, page }] = await Promise.all([openEventPage(`${vd.display}.1`, { x: 100, y: 50 }), env.displays()]);
});

afterAll(async () => {
  await browser?.close();
  await env?.dispose();
  await vd?.dispose();
});

describe('DesktopEnvironment with two monitors', () => {
  it('lists both monitors with their origins in the virtual desktop', async () => {
    const displays = await env.displays();
    expect(displays.map(({ id, x, y, width, height, primary }) => ({ id, x, y, width, height, primary }))).toEqual([
      { id: '0', x: 0, y: 0, width: 1024, height: 768, primary: true },
      { id: '1', x: 1024, y: 0, width: 1280, height: 720, primary: false },
    ]);
  });

  it('clicks on the second monitor land where intended, and its capture shows that window', async () => {
    // The page's client origin in virtual-desktop pixels, found with a real pointer move.
    const origin = await calibrate(page, async (p) => {
      // calibrate() guesses from the window's own (screen-local) metrics: shift into the second monitor.
      const result = await env.execute({ kind: 'move', to: { x: p.x + 1024, y: p.y } });
      expect(result.ok).toBe(true);
    });
    origin.x += 1024;
    expect(origin.x).toBeGreaterThanOrEqual(1024 + 100);

    await takeEvents(page);
    expect((await env.execute({ kind: 'click', at: { x: origin.x + 123, y: origin.y + 45 }, button: 'left', clicks: 1 })).ok).toBe(true);
    const events = await waitForEvent(page, 'click');
    expect(events.find((e) => e.type === 'click')).toMatchObject({ target: 'pad', x: 123, y: 45, button: 0 });

    const obs = await env.observe('1');
    expect(obs.display).toMatchObject({ id: '1', x: 1024, width: 1280, height: 720 });
    expect([obs.image.width, obs.image.height]).toEqual([1280, 720]);
    expect(obs.pointer).toEqual({ x: origin.x + 123, y: origin.y + 45 });
    const red = { x: origin.x - 1024 + 520, y: origin.y + 220 }; // the red box, in monitor-local pixels
    const i = (red.y * 1280 + red.x) * 3;
    expect(Array.from(obs.image.data.subarray(i, i + 3))).toEqual([255, 0, 0]);
    // The first monitor has no window: it is black where the second shows the red box.
    const first = await env.observe('0');
    expect(Array.from(first.image.data.subarray(i, i + 3))).toEqual([0, 0, 0]);
  });
});
