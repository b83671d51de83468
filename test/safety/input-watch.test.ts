import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { InputWatcher, parseChord } from '../../agent/safety/input-watch.ts';

let vd: VirtualDisplay;
let watcher: InputWatcher;
// xdotool injects through XTEST like the agent does, so on a virtual display it stands for the user
// exactly when it acts outside the agent's action spans.
const user = (...args: string[]) => execFileSync('xdotool', args, { env: vd.env });

beforeAll(async () => {
  vd = await startVirtualDisplay({ size: '800x600', windowManager: false });
  watcher = new InputWatcher(vd.display, { stopChord: 'ctrl+alt+esc' });
  await watcher.start();
});
afterAll(async () => {
  watcher?.dispose();
  await vd?.dispose();
});

async function until(check: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(10);
  }
  return check();
}

describe('InputWatcher on a virtual display', () => {
  it('takes input outside the agent action spans as the user taking over', async () => {
    watcher.takeUserInput();
    user('mousemove', '200', '200');
    expect(await until(() => watcher.takeUserInput())).toBe(true);
    expect(watcher.takeUserInput()).toBe(false);
  });

  it('ignores the agent own input', async () => {
    await sleep(300);
    watcher.takeUserInput();
    await watcher.whileActing(async () => {
      user('mousemove', '300', '300', 'click', '1', 'key', 'a');
      await sleep(200);
    });
    await sleep(300);
    expect(watcher.takeUserInput()).toBe(false);
  });

  it('still counts XTEST input arriving soon after an action as the agent own (a lagging pipe on a busy machine)', async () => {
    await watcher.whileActing(async () => undefined);
    await sleep(500);
    watcher.takeUserInput();
    user('mousemove', '310', '310');
    await sleep(300);
    expect(watcher.takeUserInput()).toBe(false);
  });

  it('fires the emergency stop on the chord within 500 ms, even right after an agent action', async () => {
    const fired = new Promise<number>((resolve) => watcher.once('emergency-stop', () => resolve(Date.now())));
    const start = Date.now();
    user('key', 'ctrl+alt+Escape');
    const at = await Promise.race([fired, sleep(2000).then(() => -1)]);
    expect(at).toBeGreaterThan(0);
    expect(at - start).toBeLessThan(500);
  });

  it('parses chords with aliases', () => {
    expect(parseChord('Control+Alt+Escape')).toEqual(['alt', 'ctrl', 'esc']);
    expect(() => parseChord('')).toThrow(/bad key chord/);
  });
});
