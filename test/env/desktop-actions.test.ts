import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DesktopEnvironment } from '../../agent/env/desktop/environment.ts';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { decodePng } from '../../agent/image/png.ts';
import type { ScreenAction } from '../../agent/protocol/actions.ts';
import { calibrate, openEventPage, takeEvents, waitForEvent, type PageEvent } from './helpers/event-page.ts';

let vd: VirtualDisplay;
let env: DesktopEnvironment;
let browser: Browser;
let page: Page;
/** Screen position of the page's client (0,0). */
let origin: { x: number; y: number };

const at = (x: number, y: number) => ({ x: origin.x + x, y: origin.y + y });
async function run(action: ScreenAction): Promise<void> {
  const result = await env.execute(action);
  expect(result, JSON.stringify(action)).toMatchObject({ ok: true });
}
/** What the agent loop does between actions: let the app finish reacting (focus, IME setup). */
const settled = async () => env.settle(await env.observe(), { quietMs: 200, maxMs: 3000 });
const only = (events: PageEvent[], type: string) => events.filter((e) => e.type === type);
// `xclip -i` leaves a child serving the selection: do not wait on its output pipe.
const clipboard = (args: string[], input?: string) =>
  execFileSync('xclip', ['-display', vd.display, '-selection', 'clipboard', ...args], {
    input, encoding: 'utf8', timeout: 5000, stdio: [input === undefined ? 'ignore' : 'pipe', input === undefined ? 'pipe' : 'ignore', 'ignore'],
  });

beforeAll(async () => {
  vd = await startVirtualDisplay({ size: '1280x800' });
  env = new DesktopEnvironment({ display: vd.display });
  [{ browser, page }] = await Promise.all([openEventPage(vd.display, { x: 0, y: 0 }), env.displays()]);
  origin = await calibrate(page, (p) => run({ kind: 'move', to: p }));
});

afterAll(async () => {
  await browser?.close();
  await env?.dispose();
  await vd?.dispose();
});

describe('DesktopEnvironment on Xvfb with a real Chromium window', () => {
  it('reports the display and captures the pixels on screen, pointer included', async () => {
    expect(await env.displays()).toEqual([{ id: '0', name: expect.any(String), x: 0, y: 0, width: 1280, height: 800, scaleFactor: 1, primary: true }]);
    await run({ kind: 'move', to: at(100, 100) });
    const obs = await env.observe('0');
    expect([obs.image.width, obs.image.height]).toEqual([1280, 800]);
    expect(obs.pointer).toEqual(at(100, 100));
    const px = (p: { x: number; y: number }) => Array.from(obs.image.data.subarray((p.y * 1280 + p.x) * 3, (p.y * 1280 + p.x) * 3 + 3));
    expect(px(at(520, 220))).toEqual([255, 0, 0]); // the red box
    expect(px(at(100, 100))).toEqual([0xd8, 0xe0, 0xff]); // the pad
    // An independent grabber (ImageMagick over the X protocol) sees the same frame, and so does the
    // fallback grabber (node-screenshots). The page is static here (no caret, no animation).
    const reference = await decodePng(execFileSync('import', ['-display', vd.display, '-window', 'root', 'png:-'], { timeout: 20_000 }));
    const fallback = new DesktopEnvironment({ display: vd.display, grabMethod: 'node-screenshots' });
    try {
      for (const frame of [await env.observe('0'), await fallback.observe('0')]) {
        let differing = 0;
        for (let i = 0; i < frame.image.data.length; i++) if (frame.image.data[i] !== reference.data[i]) differing++;
        expect(differing / frame.image.data.length).toBeLessThan(0.001);
      }
    } finally {
      await fallback.dispose();
    }
  });

  it('left, right, middle, double and triple clicks land where intended', async () => {
    await takeEvents(page);
    await run({ kind: 'click', at: at(50, 60), button: 'left', clicks: 1 });
    let ev = await waitForEvent(page, 'click');
    expect(only(ev, 'mousedown')[0]).toMatchObject({ target: 'pad', x: 50, y: 60, button: 0 });
    expect(only(ev, 'click')[0]).toMatchObject({ x: 50, y: 60, detail: 1 });

    await run({ kind: 'click', at: at(70, 80), button: 'right', clicks: 1 });
    ev = await waitForEvent(page, 'contextmenu');
    expect(only(ev, 'contextmenu')[0]).toMatchObject({ x: 70, y: 80, button: 2 });

    await run({ kind: 'click', at: at(90, 100), button: 'middle', clicks: 1 });
    // The right click's own auxclick (button 2) may arrive after its contextmenu: wait for the middle one.
    ev = await waitForEvent(page, 'auxclick');
    while (!only(ev, 'auxclick').some((e) => e.button === 1)) ev.push(...(await waitForEvent(page, 'auxclick')));
    expect(only(ev, 'auxclick').find((e) => e.button === 1)).toMatchObject({ x: 90, y: 100, button: 1 });

    await run({ kind: 'click', at: at(200, 150), button: 'left', clicks: 2 });
    ev = await waitForEvent(page, 'dblclick');
    expect(only(ev, 'dblclick')[0]).toMatchObject({ x: 200, y: 150, detail: 2 });

    await run({ kind: 'click', at: at(260, 150), button: 'left', clicks: 3 });
    ev = await waitForEvent(page, 'mouseup');
    while (only(ev, 'click').length < 3) ev.push(...(await waitForEvent(page, 'click')));
    expect(only(ev, 'click').map((e) => e.detail)).toEqual([1, 2, 3]);
  });

  it('every double click of twenty in a row is one double click to the app', async () => {
    // Clicks sent back to back sometimes lost the second one (see MULTI_CLICK_GAP_MS in the driver).
    const missed: string[] = [];
    for (let i = 0; i < 20; i++) {
      await takeEvents(page);
      await run({ kind: 'click', at: at(40 + 25 * i, 250), button: 'left', clicks: 2 });
      try {
        const clicks = only(await waitForEvent(page, 'dblclick'), 'click').map((e) => e.detail);
        if (clicks.join() !== '1,2') missed.push(`#${i}: clicks ${clicks.join()}`);
      } catch (error) {
        missed.push(`#${i}: ${(error as Error).message}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('drags with intermediate moves, and holds a button across mouse_down / mouse_up', async () => {
    await takeEvents(page);
    await run({ kind: 'drag', from: at(100, 200), to: at(300, 120), button: 'left' });
    const ev = await waitForEvent(page, 'mouseup');
    expect(only(ev, 'mousedown')[0]).toMatchObject({ x: 100, y: 200 });
    // Chromium coalesces moves to one per frame, so fewer than the 10 steps arrive.
    const held = only(ev, 'mousemove').filter((e) => e.buttons === 1);
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(held.some((e) => e.x > 150 && e.x < 250)).toBe(true); // passed through the middle
    expect(only(ev, 'mouseup')[0]).toMatchObject({ x: 300, y: 120 });

    await run({ kind: 'mouse_down', at: at(40, 40), button: 'left' });
    await run({ kind: 'move', to: at(45, 48) });
    await run({ kind: 'mouse_up', button: 'left' });
    const ev2 = await waitForEvent(page, 'mouseup');
    expect(only(ev2, 'mousedown')[0]).toMatchObject({ x: 40, y: 40 });
    expect(only(ev2, 'mouseup')[0]).toMatchObject({ x: 45, y: 48 });
  });

  it('scrolls vertically and horizontally by the given number of wheel clicks', async () => {
    const scroller = () => page.$eval('#scroller', (e) => ({ top: e.scrollTop, left: e.scrollLeft }));
    // Chromium may merge wheel events that arrive together, so compare summed deltas, not counts.
    const wheel = async (action: ScreenAction) => {
      await takeEvents(page);
      await run(action);
      const events = only(await waitForEvent(page, 'wheel'), 'wheel');
      await new Promise((r) => setTimeout(r, 300));
      events.push(...only(await takeEvents(page), 'wheel'));
      expect(events.every((e) => e.target !== 'pad')).toBe(true);
      return { dx: events.reduce((s, e) => s + e.dx, 0), dy: events.reduce((s, e) => s + e.dy, 0) };
    };
    const one = await wheel({ kind: 'scroll', at: at(700, 100), dx: 0, dy: 1 });
    expect(one.dy).toBeGreaterThan(0);
    expect(one.dx).toBe(0);
    expect(await wheel({ kind: 'scroll', at: at(700, 100), dx: 0, dy: 3 })).toEqual({ dx: 0, dy: 3 * one.dy });
    expect(await wheel({ kind: 'scroll', at: at(700, 100), dx: 2, dy: 0 })).toEqual({ dx: 2 * one.dy, dy: 0 });
    const before = await scroller();
    expect(before.top).toBeGreaterThan(0);
    expect(before.left).toBeGreaterThan(0);
    expect(await wheel({ kind: 'scroll', dx: -1, dy: -1 })).toEqual({ dx: -one.dy, dy: -one.dy }); // at the pointer
    await expect.poll(async () => { const now = await scroller(); return now.top < before.top && now.left < before.left; }).toBe(true);
  });

  it('types non-ASCII text exactly and gives the clipboard back', async () => {
    clipboard(['-i'], 'what the user had copied');
    await run({ kind: 'click', at: at(200, 370), button: 'left', clicks: 1 });
    await settled();
    await run({ kind: 'type', text: 'héllo wörld 世界 ✓\nLine 2: {"a": [1, 2]}; ~!@#$%^&*()_+|' });
    const value = () => page.$eval('#text', (e) => (e as unknown as { value: string }).value);
    await expect.poll(value).toBe('héllo wörld 世界 ✓\nLine 2: {"a": [1, 2]}; ~!@#$%^&*()_+|');
    expect(clipboard(['-o'])).toBe('what the user had copied');
  });

  it('presses keys repeatedly, sends hotkeys to the app, and holds modifiers with key_down', async () => {
    const value = () => page.$eval('#text', (e) => (e as unknown as { value: string }).value);
    await page.$eval('#text', (e) => ((e as unknown as { value: string }).value = ''));
    await run({ kind: 'click', at: at(200, 370), button: 'left', clicks: 1 });
    await settled();
    await run({ kind: 'type', text: 'abcdef' });
    await run({ kind: 'press', key: 'backspace', presses: 3 });
    await expect.poll(value).toBe('abc');
    await takeEvents(page);
    await run({ kind: 'hotkey', keys: ['ctrl', 'a'] });
    const ev = await waitForEvent(page, 'keyup');
    expect(only(ev, 'keydown').find((e) => e.key === 'a')).toMatchObject({ ctrl: true });
    await run({ kind: 'key_down', key: 'shift' });
    await run({ kind: 'press', key: 'x', presses: 1 });
    await run({ kind: 'key_up', key: 'shift' });
    await run({ kind: 'press', key: 'enter', presses: 1 });
    await run({ kind: 'type', text: 'y' });
    await expect.poll(value).toBe('X\ny'); // ctrl+a selected everything, shift held made X
  });

  it('sends each canonical key as the key the app expects, and refuses keys this keymap lacks', async () => {
    await run({ kind: 'click', at: at(200, 370), button: 'left', clicks: 1 });
    await settled();
    await takeEvents(page);
    // Keys the browser itself acts on (F5 reload, F6/F10 focus its UI, Menu, Tab leaving the page)
    // are left out, and PrintScreen, which Chromium on X11 does not report as a keydown; Tab goes
    // last. Shifted characters arrive as Shift, then the character.
    const expected: [string, string[]][] = [
      ['enter', ['Enter']], ['esc', ['Escape']], ['backspace', ['Backspace']], ['delete', ['Delete']],
      ['insert', ['Insert']], ['home', ['Home']], ['end', ['End']], ['pageup', ['PageUp']], ['pagedown', ['PageDown']],
      ['up', ['ArrowUp']], ['down', ['ArrowDown']], ['left', ['ArrowLeft']], ['right', ['ArrowRight']],
      ['ctrl', ['Control']], ['alt', ['Alt']], ['shift', ['Shift']], ['win', ['Meta']], ['f2', ['F2']], ['f12', ['F12']],
      ['a', ['a']], ['z', ['z']], ['0', ['0']], ['9', ['9']], ['-', ['-']], ['/', ['/']],
      ['`', ['`']], [';', [';']], ['!', ['Shift', '!']], ['A', ['Shift', 'A']], ['?', ['Shift', '?']], ['space', [' ']],
      ['tab', ['Tab']],
    ];
    for (const [key] of expected) await run({ kind: 'press', key, presses: 1 });
    const events: PageEvent[] = [];
    const want = expected.flatMap(([, keys]) => keys);
    await expect.poll(async () => {
      events.push(...(await takeEvents(page)));
      return only(events, 'keydown').length;
    }).toBeGreaterThanOrEqual(want.length);
    expect(only(events, 'keydown').map((e) => e.key)).toEqual(want);
    // Xvfb's default keymap has no F13..F24; libnut would send keycode 0 and die on the X error.
    expect(await env.execute({ kind: 'press', key: 'f13', presses: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/"f13" is not on this X keyboard map/) });
    expect(await env.execute({ kind: 'press', key: 'menu', presses: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/"menu" cannot be sent/) });
    expect(await env.execute({ kind: 'move', to: at(10, 10) })).toMatchObject({ ok: true }); // the driver lives on
  });

  it('waits, aborts, treats terminal actions as no-ops and refuses bad input with a reason', async () => {
    const waited = await env.execute({ kind: 'wait', seconds: 0.2 });
    expect(waited.ok).toBe(true);
    expect(waited.durationMs).toBeGreaterThanOrEqual(190);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const aborted = await env.execute({ kind: 'wait', seconds: 10 }, controller.signal);
    expect(aborted).toMatchObject({ ok: false, error: expect.stringMatching(/aborted/) });
    expect(aborted.durationMs).toBeLessThan(2000);
    for (const action of [{ kind: 'done' }, { kind: 'fail', reason: 'x' }, { kind: 'call_user' }] as ScreenAction[]) {
      expect((await env.execute(action)).ok).toBe(true);
    }
    expect(await env.execute({ kind: 'click', at: { x: 1280, y: 10 }, button: 'left', clicks: 1 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/outside every display \(#0 1280x800\+0\+0\)/),
    });
    expect(await env.execute({ kind: 'press', key: 'hyperdrive', presses: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/hyperdrive/) });
  });

  it('settles: reports a change after typing and a quiet screen without one', async () => {
    // Type into the textarea, not wherever the earlier tests' keys (F6, Tab...) left the focus.
    await run({ kind: 'click', at: at(200, 370), button: 'left', clicks: 1 });
    await settled();
    const before = await env.observe();
    await run({ kind: 'type', text: 'settle me' });
    const changed = await env.settle(before, { quietMs: 250, maxMs: 5000 });
    expect(changed).toMatchObject({ settled: true, changed: true });
    // Nothing happens: it waits the reaction window (1 s by default), not the whole maxMs.
    // Chromium may still repaint on its own for a moment (a busy machine makes it later), so look for
    // a quiet stretch a few times; once the screen is still, settle must say so within the reaction window.
    let still = await env.settle(await env.observe(), { quietMs: 250, maxMs: 5000 });
    for (let tries = 0; still.changed && tries < 5; tries++) still = await env.settle(await env.observe(), { quietMs: 250, maxMs: 5000 });
    expect(still).toMatchObject({ settled: true, changed: false });
    expect(still.waitedMs).toBeGreaterThanOrEqual(1000);
    expect(still.waitedMs).toBeLessThan(4000);
  });
});
