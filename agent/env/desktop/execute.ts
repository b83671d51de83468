import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeKey } from '../../actions/keys.ts';
import type { MouseButton, Point, ScreenAction } from '../../protocol/actions.ts';
import type { InputSink } from './input-sink.ts';
import { segmentText } from './text-segments.ts';

export interface ExecuteOptions {
  /** Intermediate pointer positions of a drag (besides start and end). */
  dragSteps?: number;
  /** Pause between drag steps: apps (HTML drag and drop, toolkits) need to see distinct motion. */
  dragStepMs?: number;
}

class Aborted extends Error {
  constructor() {
    super('aborted');
  }
}

function check(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Aborted();
}

function wholeClicks(n: number, what: string): number {
  if (!Number.isFinite(n) || n < 0 || n > 100 || Math.round(n) !== n) {
    throw new Error(`${what} must be a whole number from 0 to 100, got ${n}`);
  }
  return n;
}

/**
 * Runs one action. Buttons and keys pressed here are released again if anything fails or the signal
 * aborts part-way, so an interrupted drag or hotkey never leaves input held down (key_down and
 * mouse_down actions hold on purpose and are left alone).
 */
export async function executeOnSink(sink: InputSink, action: ScreenAction, options: ExecuteOptions = {}, signal?: AbortSignal): Promise<void> {
  const heldButtons: MouseButton[] = [];
  const heldKeys: string[] = [];
  const press = async (b: MouseButton) => (check(signal), await sink.button(b, 'down'), heldButtons.push(b));
  const release = async (b: MouseButton) => (await sink.button(b, 'up'), heldButtons.splice(heldButtons.lastIndexOf(b), 1));
  const keyDown = async (k: string) => (check(signal), await sink.keys([k], 'down'), heldKeys.push(k));
  const keyUp = async (k: string) => (await sink.keys([k], 'up'), heldKeys.splice(heldKeys.lastIndexOf(k), 1));
  const moveTo = async (p?: Point) => {
    if (p !== undefined) await sink.move(p);
  };
  try {
    check(signal);
    switch (action.kind) {
      case 'click':
        await moveTo(action.at);
        check(signal);
        return await sink.click(action.button, wholeClicks(action.clicks, 'clicks'));
      case 'move':
        return await sink.move(action.to);
      case 'drag': {
        const from = action.from ?? (await sink.pointer());
        await sink.move(from);
        await press(action.button);
        const steps = Math.max(1, options.dragSteps ?? 10);
        for (let i = 1; i <= steps; i++) {
          check(signal);
          await sleep(options.dragStepMs ?? 15);
          await sink.move({ x: from.x + ((action.to.x - from.x) * i) / steps, y: from.y + ((action.to.y - from.y) * i) / steps });
        }
        await release(action.button);
        return;
      }
      case 'mouse_down':
        await moveTo(action.at);
        return await sink.button(action.button, 'down');
      case 'mouse_up':
        await moveTo(action.at);
        return await sink.button(action.button, 'up');
      case 'scroll':
        await moveTo(action.at);
        return await sink.scroll(wholeClicks(Math.abs(action.dx), 'scroll dx') * Math.sign(action.dx), wholeClicks(Math.abs(action.dy), 'scroll dy') * Math.sign(action.dy));
      case 'type':
        for (const segment of segmentText(action.text)) {
          check(signal);
          if (segment.kind === 'keys') await sink.typeAscii(segment.text);
          else if (segment.kind === 'press') await sink.keys([segment.key], 'down').then(() => sink.keys([segment.key], 'up'));
          else await sink.paste(segment.text);
        }
        return;
      case 'press': {
        const key = normalizeKey(action.key);
        const times = wholeClicks(action.presses, 'presses');
        for (let i = 0; i < times; i++) {
          await keyDown(key);
          await keyUp(key);
        }
        return;
      }
      case 'hotkey': {
        if (action.keys.length === 0) throw new Error('hotkey needs at least one key');
        const keys = action.keys.map(normalizeKey);
        for (const k of keys) await keyDown(k);
        for (const k of [...keys].reverse()) await keyUp(k);
        return;
      }
      case 'key_down':
        return await sink.keys([normalizeKey(action.key)], 'down');
      case 'key_up':
        return await sink.keys([normalizeKey(action.key)], 'up');
      case 'wait': {
        if (!Number.isFinite(action.seconds) || action.seconds < 0) throw new Error(`wait seconds must be >= 0, got ${action.seconds}`);
        return await sleep(action.seconds * 1000, undefined, signal ? { signal } : undefined).catch((e: unknown) => {
          if (signal?.aborted) throw new Aborted();
          throw e;
        });
      }
      case 'done':
      case 'fail':
      case 'call_user':
        return;
    }
  } finally {
    for (const k of heldKeys.reverse()) await sink.keys([k], 'up').catch(() => undefined);
    for (const b of heldButtons.reverse()) await sink.button(b, 'up').catch(() => undefined);
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof Aborted;
}
