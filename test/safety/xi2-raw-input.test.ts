/**
 * The raw-input client on real Xvfb displays: watching takes nothing from the desktop (a right-click on
 * it still opens openbox's root menu, which `xinput test-xi2 --root` used to swallow), any number of
 * watchers see the same input, and a display that asks for a cookie gets the one in XAUTHORITY.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { InputWatcher } from '../../agent/safety/input-watch.ts';
import { findCookie, parseDisplayName, Xi2RawInput, type Xi2RawEvent } from '../../agent/safety/xi2-raw-input.ts';

const displays: VirtualDisplay[] = [];
const dir = mkdtempSync(join(tmpdir(), 'xi2-'));
afterAll(async () => {
  for (const d of displays) await d.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await sleep(10);
  return check();
}

/** One .Xauthority record: family, address, display number, auth name, data. */
function xauthRecord(family: number, address: string, number: string, data: Buffer): Buffer {
  const field = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
  return Buffer.concat([Buffer.from([family >> 8, family & 255]), field(Buffer.from(address)), field(Buffer.from(number)), field(Buffer.from('MIT-MAGIC-COOKIE-1')), field(data)]);
}

describe('raw input over the X protocol', () => {
  it('takes nothing from the desktop: with two watchers, a right-click opens the root menu, and both see the stop chord', async () => {
    const vd = await startVirtualDisplay({ size: '800x600' });
    displays.push(vd);
    const watchers = [new InputWatcher(vd.display), new InputWatcher(vd.display)];
    await Promise.all(watchers.map((w) => w.start()));
    try {
      let stops = 0;
      for (const w of watchers) w.on('emergency-stop', () => (stops += 1));
      execFileSync('xdotool', ['mousemove', '400', '300', 'click', '3'], { env: vd.env });
      // openbox shows its root menu as a new top-level window where the click was.
      const menuShown = () => {
        const top = execFileSync('xwininfo', ['-root', '-children'], { env: vd.env, encoding: 'utf8' });
        const ids = [...top.matchAll(/^\s+(0x[0-9a-f]+) .*\+400\+300\s*$/gm)].map((m) => m[1]!);
        return ids.some((id) => /Map State: IsViewable/.test(execFileSync('xwininfo', ['-id', id], { env: vd.env, encoding: 'utf8' })));
      };
      expect(await until(menuShown)).toBe(true);
      execFileSync('xdotool', ['key', 'Escape'], { env: vd.env });
      execFileSync('xdotool', ['key', 'ctrl+alt+Escape'], { env: vd.env });
      expect(await until(() => stops === 2)).toBe(true);
      expect(watchers.map((w) => w.takeUserInput())).toEqual([true, true]);
    } finally {
      for (const w of watchers) w.dispose();
    }
  }, 60_000);

  it('sees a warped pointer over a window (xdotool mousemove), which sends no raw event', async () => {
    const vd = await startVirtualDisplay({ size: '640x480' });
    displays.push(vd);
    const xterm = spawn('xterm', ['-geometry', '200x60+0+0'], { env: vd.env, stdio: 'ignore' });
    const input = await Xi2RawInput.open(vd.display, vd.env);
    try {
      await sleep(1500); // xterm is up
      execFileSync('xdotool', ['mousemove', '300', '200', 'click', '1'], { env: vd.env });
      await sleep(300);
      const seen: Xi2RawEvent[] = [];
      input.on('input', (e) => seen.push(e));
      execFileSync('xdotool', ['mousemove', '100', '100'], { env: vd.env });
      expect(await until(() => seen.some((e) => e.type === 'motion'))).toBe(true);
    } finally {
      input.close();
      xterm.kill();
    }
  }, 60_000);

  it('shows the cookie a display asks for, and says so plainly when it has none', async () => {
    const authFile = join(dir, 'Xauthority');
    writeFileSync(authFile, xauthRecord(65535, '', '', randomBytes(16)));
    const vd = await startVirtualDisplay({ size: '640x480', windowManager: false, authFile });
    displays.push(vd);
    const input = await Xi2RawInput.open(vd.display, vd.env);
    try {
      const seen: Xi2RawEvent[] = [];
      input.on('input', (e) => seen.push(e));
      execFileSync('xdotool', ['key', 'a'], { env: vd.env });
      expect(await until(() => seen.some((e) => e.type === 'key_press') && seen.some((e) => e.type === 'key_release'))).toBe(true);
    } finally {
      input.close();
    }
    await expect(Xi2RawInput.open(vd.display, { ...vd.env, XAUTHORITY: join(dir, 'none') })).rejects.toThrow(
      new RegExp(`X display ${vd.display} refused the connection: .*[Aa]uthoriz`),
    );
  }, 60_000);

  it('reads display names and .Xauthority records', () => {
    expect(parseDisplayName(':42')).toEqual({ host: '', number: 42, screen: 0 });
    expect(parseDisplayName('unix:3.1')).toEqual({ host: '', number: 3, screen: 1 });
    expect(parseDisplayName('box:1')).toEqual({ host: 'box', number: 1, screen: 0 });
    expect(() => parseDisplayName('42')).toThrow(/not an X display name/);
    const mine = randomBytes(16);
    const file = Buffer.concat([xauthRecord(256, 'other-host', '7', randomBytes(16)), xauthRecord(256, 'this-host', '8', randomBytes(16)), xauthRecord(256, 'this-host', '7', mine)]);
    expect(findCookie(file, 7, 'this-host')).toEqual(mine);
    expect(findCookie(file, 9, 'this-host')).toBeUndefined();
    expect(findCookie(file.subarray(0, file.length - 5), 7, 'this-host')).toBeUndefined();
  });
});
