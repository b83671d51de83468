import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { MonitorGeometry } from './driver-protocol.ts';

interface NativeMonitor {
  name(): string;
  x(): number;
  y(): number;
  width(): number;
  height(): number;
  scaleFactor(): number;
  isPrimary(): boolean;
}

const require = createRequire(import.meta.url);

/**
 * Monitors of the display this process talks to (DISPLAY on X11). node-screenshots knows macOS,
 * Windows and RandR; `xrandr --listmonitors` is the X11 fallback when the native module is missing.
 */
export function listMonitors(): { monitors: MonitorGeometry[]; source: string } {
  try {
    const { Monitor } = require('node-screenshots') as { Monitor: { all(): NativeMonitor[] } };
    const monitors = Monitor.all().map((m) => ({
      name: m.name(), x: m.x(), y: m.y(), width: m.width(), height: m.height(),
      scaleFactor: m.scaleFactor() || 1, primary: m.isPrimary(),
    }));
    if (monitors.length > 0) return { monitors, source: 'node-screenshots' };
  } catch {
    // fall through to xrandr
  }
  if (process.platform === 'linux') {
    try {
      const out = execFileSync('xrandr', ['--listmonitors'], { encoding: 'utf8', timeout: 5000 });
      return { monitors: parseListMonitors(out), source: 'xrandr' };
    } catch {
      // no xrandr: the caller uses the whole screen
    }
  }
  return { monitors: [], source: 'none' };
}

/**
 * Parses `xrandr --listmonitors`, e.g. " 0: +*DP-1 1920/508x1080/286+0+0  DP-1": '*' marks the
 * primary monitor, the geometry is width/mm x height/mm + x + y.
 */
export function parseListMonitors(text: string): MonitorGeometry[] {
  const monitors: MonitorGeometry[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+:\s+\+?(\*?)(\S+)\s+(\d+)\/\d+x(\d+)\/\d+\+(-?\d+)\+(-?\d+)/.exec(line);
    if (!m) continue;
    monitors.push({
      name: m[2], primary: m[1] === '*', width: Number(m[3]), height: Number(m[4]),
      x: Number(m[5]), y: Number(m[6]), scaleFactor: 1,
    });
  }
  return monitors;
}
