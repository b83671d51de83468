/**
 * The desktop driver: a child process started by DesktopEnvironment with DISPLAY set to one X screen.
 * It owns nut-js (and so the native X connection) and answers DriverMessages over the IPC channel.
 * Captures go through a file in shared memory: measured on a 1920x1080 frame, sending the pixels as
 * an IPC message costs more than grabbing them.
 */
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Button, Point, keyboard, mouse, providerRegistry, screen } from '@nut-tree-fork/nut-js';
import type { CaptureReply, DriverInfo, DriverMessage, DriverReply, DriverRequest } from './driver-protocol.ts';
import { grab } from './grabbers.ts';
import { listMonitors } from './monitors.ts';
import { nutChordFor } from './nut-keys.ts';
import { assertKeyMapped } from './x11-keymap.ts';

// nut-js sleeps before every call by default (100-300 ms); pacing is the environment's job.
mouse.config.autoDelayMs = 0;
keyboard.config.autoDelayMs = 0;
providerRegistry.getKeyboard().setKeyboardDelay(0);
providerRegistry.getMouse().setMouseDelay(0);

const BUTTONS = { left: Button.LEFT, right: Button.RIGHT, middle: Button.MIDDLE } as const;
/**
 * Between the clicks of a double or triple click. Sent back to back, Chromium on Xvfb missed the
 * second click of 16 in 290 double clicks (probes of 50-60 each, some under CPU load); with 20-30 ms
 * between clicks it missed none of 320 double and 60 triple clicks. Apps count clicks that come
 * within 400-500 ms, so the gap leaves a wide margin.
 */
const MULTI_CLICK_GAP_MS = 30;

async function capture(request: Extract<DriverRequest, { op: 'capture' }>): Promise<CaptureReply> {
  const started = performance.now();
  const { image, method } = await grab(request.x, request.y, request.width, request.height, request.method);
  const grabMs = performance.now() - started;
  writeFileSync(request.file, image.data);
  const pointer = await mouse.getPosition();
  return { width: image.width, height: image.height, pointer: { x: pointer.x, y: pointer.y }, method, grabMs, captureMs: performance.now() - started };
}

async function keys(names: string[], state: 'down' | 'up'): Promise<void> {
  const chord = names.flatMap((name) => nutChordFor(name).map((key) => (assertKeyMapped(key, name), { key, name })));
  for (const { key, name } of state === 'down' ? chord : chord.reverse()) {
    try {
      if (state === 'down') await keyboard.pressKey(key);
      else await keyboard.releaseKey(key);
    } catch (error) {
      // libnut has no code for some keys on some systems (Menu and Fn on X11).
      throw new Error(`key ${JSON.stringify(name)} cannot be sent on this system (${String((error as Error)?.message ?? error)})`);
    }
  }
}

async function handle(request: DriverRequest): Promise<unknown> {
  switch (request.op) {
    case 'info': {
      const [screenWidth, screenHeight] = [await screen.width(), await screen.height()];
      const { monitors, source } = listMonitors();
      const info: DriverInfo = { screenWidth, screenHeight, monitors, monitorSource: source };
      return info;
    }
    case 'capture':
      return capture(request);
    case 'pointer': {
      const p = await mouse.getPosition();
      return { x: p.x, y: p.y };
    }
    case 'move':
      await mouse.setPosition(new Point(request.x, request.y));
      return null;
    case 'button':
      if (request.state === 'down') await mouse.pressButton(BUTTONS[request.button]);
      else await mouse.releaseButton(BUTTONS[request.button]);
      return null;
    case 'click':
      for (let i = 0; i < request.count; i++) {
        if (i > 0) await sleep(MULTI_CLICK_GAP_MS);
        await mouse.pressButton(BUTTONS[request.button]);
        await mouse.releaseButton(BUTTONS[request.button]);
      }
      return null;
    case 'scroll':
      // Wheel clicks: dy > 0 scrolls down, dx > 0 scrolls right (the Action convention).
      if (request.dy > 0) await mouse.scrollDown(request.dy);
      if (request.dy < 0) await mouse.scrollUp(-request.dy);
      // On X11 libnut's scrollRight sends button 6 (left) and scrollLeft button 7: swap them there.
      // Verified against Chromium's wheel deltaX; macOS and Windows keep nut-js's meaning.
      if (request.dx !== 0) {
        const right = process.platform === 'linux' ? request.dx < 0 : request.dx > 0;
        if (right) await mouse.scrollRight(Math.abs(request.dx));
        else await mouse.scrollLeft(Math.abs(request.dx));
      }
      return null;
    case 'keys':
      await keys(request.keys, request.state);
      return null;
    case 'typeAscii':
      // Key chords per character rather than libnut's typeString, which drops Shift for ':' '{' '"'.
      for (const ch of request.text) {
        const chord = nutChordFor(ch === ' ' ? 'space' : ch);
        for (const key of chord) await keyboard.pressKey(key);
        for (const key of chord.reverse()) await keyboard.releaseKey(key);
      }
      return null;
  }
}

process.on('message', (message: DriverMessage) => {
  handle(message.request).then(
    (value) => send({ id: message.id, ok: true, value }),
    (error: unknown) => send({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));

function send(reply: DriverReply): void {
  process.send?.(reply);
}

// Open the display before saying ready, so a driver for a display that is gone fails to start.
await screen.width();
send({ id: 0, ok: true, value: 'ready' });
