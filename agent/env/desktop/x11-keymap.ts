import { execFileSync } from 'node:child_process';
import { Key } from '@nut-tree-fork/nut-js';

/**
 * Keys that a default X keyboard map often lacks. libnut sends keycode 0 for an unmapped keysym,
 * the server answers with an X error, and Xlib's default handler ends the driver process; so these
 * are checked against the live map first and refused with a message instead.
 */
const MAYBE_UNMAPPED = /^F(1[3-9]|2[0-4])$/;

let cached: Set<string> | null | undefined;

/** Keysym names on the current X keyboard map (`xmodmap -pke`), or null when it cannot be read. */
function keysyms(): Set<string> | null {
  if (cached !== undefined) return cached;
  try {
    const text = execFileSync('xmodmap', ['-pke'], { encoding: 'utf8', timeout: 5000 });
    cached = new Set(text.split('\n').flatMap((line) => line.split('=')[1]?.trim().split(/\s+/) ?? []));
  } catch {
    cached = null;
  }
  return cached;
}

/** Throws, naming the key, when it cannot be sent safely on this X display. A no-op elsewhere. */
export function assertKeyMapped(key: Key, requestedAs: string, platform: NodeJS.Platform = process.platform): void {
  const name = Key[key];
  if (platform !== 'linux' || !MAYBE_UNMAPPED.test(name)) return;
  const available = keysyms();
  if (available === null) throw new Error(`key ${JSON.stringify(requestedAs)} cannot be checked against the X keyboard map (is xmodmap installed?), so it was not sent`);
  if (!available.has(name)) throw new Error(`key ${JSON.stringify(requestedAs)} is not on this X keyboard map (xmodmap -pke has no ${name}), so it was not sent`);
}
