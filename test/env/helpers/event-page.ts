import { chromium, type Browser, type Page } from 'playwright-core';

/** What the page saw of one DOM event. */
export interface PageEvent {
  type: string;
  target: string;
  x: number;
  y: number;
  button: number;
  buttons: number;
  detail: number;
  dx: number;
  dy: number;
  key: string;
  ctrl: boolean;
  shift: boolean;
}

/**
 * A page that records every input event it receives, with client coordinates. Regions (client px):
 * pad 0..600 x 0..300, textarea 0..400 x 320..420, scroller 620..920 x 0..300 (content 3000x3000),
 * red box 500..540 x 200..240 inside the pad. Nothing outside the textarea is selectable, so a drag
 * after a triple click is a plain drag, not the start of a drag-and-drop of selected content.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#fff;user-select:none">
<div id="pad" style="position:absolute;left:0;top:0;width:600px;height:300px;background:#d8e0ff"></div>
<div id="red" style="position:absolute;left:500px;top:200px;width:40px;height:40px;background:#ff0000;pointer-events:none"></div>
<textarea id="text" style="position:absolute;left:0;top:320px;width:400px;height:100px;font:16px monospace;caret-color:transparent"></textarea>
<div id="scroller" style="position:absolute;left:620px;top:0;width:300px;height:300px;overflow:scroll">
  <div style="width:3000px;height:3000px;background:linear-gradient(45deg,#fff,#8a8)"></div></div>
<script>
window.__events = [];
const record = (e) => window.__events.push({ type: e.type, target: e.target.id || e.target.nodeName, x: e.clientX, y: e.clientY,
  button: e.button, buttons: e.buttons, detail: e.detail, dx: e.deltaX, dy: e.deltaY, key: e.key, ctrl: e.ctrlKey, shift: e.shiftKey });
for (const t of ['mousedown', 'mouseup', 'click', 'dblclick', 'contextmenu', 'auxclick', 'wheel', 'keydown', 'keyup', 'input', 'mousemove'])
  addEventListener(t, record, { capture: true, passive: t === 'wheel' });
addEventListener('contextmenu', (e) => e.preventDefault());
</script>`;

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-sync', '--disable-quic', '--force-device-scale-factor=1',
];

export async function openEventPage(display: string, position: { x: number; y: number }): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: false,
    env: { ...process.env, DISPLAY: display },
    args: [...CHROMIUM_ARGS, `--window-position=${position.x},${position.y}`, '--window-size=960,640'],
  });
  const page = await browser.newPage({ viewport: null });
  await page.goto(`data:text/html;base64,${Buffer.from(PAGE).toString('base64')}`);
  return { browser, page };
}

export async function takeEvents(page: Page): Promise<PageEvent[]> {
  return page.evaluate(() => {
    const w = globalThis as unknown as { __events: PageEvent[] };
    const events = w.__events;
    w.__events = [];
    return events;
  });
}

/** Polls until the page has recorded an event of `type` (events arrive asynchronously after X input). */
export async function waitForEvent(page: Page, type: string, timeoutMs = 5000): Promise<PageEvent[]> {
  const seen: PageEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    seen.push(...(await takeEvents(page)));
    if (seen.some((e) => e.type === type)) return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the page saw no ${type} event within ${timeoutMs} ms; it saw: ${seen.map((e) => e.type).join(', ') || 'nothing'}`);
}

/**
 * Finds where the page's client area sits on screen: moves the real pointer to points the window
 * metrics say are inside the pad, and reads the client coordinates the page reports for them.
 * Chromium also sends mousemoves of its own (a window mapped or laid out under a resting pointer),
 * so one reading can be stale: two moves must agree on the origin before it is trusted.
 */
export async function calibrate(page: Page, move: (p: { x: number; y: number }) => Promise<unknown>): Promise<{ x: number; y: number }> {
  const guess = await page.evaluate(() => {
    // Runs in the page; this project type-checks without the DOM library.
    const w = globalThis as unknown as { screenX: number; screenY: number; outerWidth: number; innerWidth: number; outerHeight: number; innerHeight: number };
    return { x: w.screenX + (w.outerWidth - w.innerWidth) / 2, y: w.screenY + w.outerHeight - w.innerHeight };
  });
  const originSeenAt = async (target: { x: number; y: number }) => {
    await takeEvents(page);
    await move(target);
    const moved = (await waitForEvent(page, 'mousemove')).filter((e) => e.type === 'mousemove').pop()!;
    return { x: target.x - moved.x, y: target.y - moved.y };
  };
  const readings: { x: number; y: number }[] = [];
  for (let i = 0; i < 10; i++) {
    const target = { x: Math.round(guess.x + 300 + 20 * (i % 2)), y: Math.round(guess.y + 150 + 10 * (i % 2)) };
    const origin = await originSeenAt(target);
    const last = readings.at(-1);
    if (last && last.x === origin.x && last.y === origin.y) return origin;
    readings.push(origin);
  }
  throw new Error(`calibration never settled: consecutive moves gave page origins ${JSON.stringify(readings)}`);
}
