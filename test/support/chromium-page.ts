/** A real Chromium window in kiosk mode on an Xvfb display, showing a small form the agent can use. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';

export const FORM_PAGE = `<!doctype html><html><body style="margin:0;font:24px sans-serif;background:#fff">
<input id="name" style="position:absolute;left:40px;top:40px;width:300px;height:40px;font-size:24px">
<button id="add" style="position:absolute;left:40px;top:140px;width:200px;height:60px;font-size:24px"
  onclick="document.getElementById('count').textContent = String(Number(document.getElementById('count').textContent) + 1)">Add</button>
<div id="count" style="position:absolute;left:40px;top:240px">0</div>
</body></html>`;

export interface FormWindow {
  context: BrowserContext;
  page: Page;
  /** Screen points (display-local logical px) of the centres of the input and the button. */
  input: { x: number; y: number };
  button: { x: number; y: number };
  reset(): Promise<void>;
  state(): Promise<{ name: string; count: string }>;
  close(): Promise<void>;
}

export async function openFormWindow(env: NodeJS.ProcessEnv): Promise<FormWindow> {
  // A persistent context, so the page lives in Chromium's first window, the one --kiosk makes full screen.
  const profile = await mkdtemp(join(tmpdir(), 'deskpilot-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: false,
    viewport: null,
    env,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic', '--kiosk', '--window-position=0,0'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const reset = async () => {
    await page.setContent(FORM_PAGE);
    await page.bringToFront();
  };
  await reset();
  // In kiosk mode the page fills the screen from (0, 0); check it, since every click depends on it.
  const geometry = await page.evaluate<{ x: number; y: number; chrome: number; dpr: number }>(
    '({ x: window.screenX, y: window.screenY, chrome: window.outerHeight - window.innerHeight, dpr: window.devicePixelRatio })',
  );
  if (geometry.x !== 0 || geometry.y !== 0 || geometry.chrome !== 0 || geometry.dpr !== 1) {
    throw new Error(`Chromium page is not at the screen origin in kiosk mode: ${JSON.stringify(geometry)}`);
  }
  const centre = async (selector: string) => {
    const box = (await page.locator(selector).boundingBox())!;
    return { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2) };
  };
  return {
    context,
    page,
    input: await centre('#name'),
    button: await centre('#add'),
    reset,
    state: async () => ({ name: await page.inputValue('#name'), count: (await page.textContent('#count')) ?? '' }),
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** An Xvfb display showing the form window, for the whole test file (started in beforeAll, ended in afterAll). */
export function useFormDesktop(size = '800x600'): { readonly vd: VirtualDisplay; readonly form: FormWindow } {
  const desktop = {} as { vd: VirtualDisplay; form: FormWindow };
  beforeAll(async () => {
    desktop.vd = await startVirtualDisplay({ size });
    desktop.form = await openFormWindow(desktop.vd.env);
  }, 120_000);
  afterAll(async () => {
    await desktop.form?.close();
    await desktop.vd?.dispose();
  });
  return desktop;
}
