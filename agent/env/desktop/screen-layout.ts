import type { Point } from '../../protocol/actions.ts';
import type { DisplayInfo } from '../types.ts';
import type { MonitorGeometry } from './driver-protocol.ts';

/** One X screen (or the whole desktop elsewhere) as its driver sees it, and where it sits. */
export interface ScreenGeometry {
  index: number;
  /** Origin of this screen in the virtual desktop. */
  x: number;
  y: number;
  width: number;
  height: number;
  monitors: MonitorGeometry[];
}

/** A display plus what is needed to drive it: its screen and its rectangle in screen-local pixels. */
export interface LayoutDisplay {
  info: DisplayInfo;
  screen: number;
  local: { x: number; y: number; width: number; height: number };
}

/**
 * Places separate X screens side by side, left to right, top-aligned (":N.0", ":N.1", ... in a
 * multi-screen server, each with its own root window), and splits each screen into its monitors.
 * A single-screen desktop keeps the monitors' own origins (RandR / the OS already give them).
 */
export function layoutScreens(screens: Omit<ScreenGeometry, 'x' | 'y'>[]): { screens: ScreenGeometry[]; displays: LayoutDisplay[] } {
  let nextX = 0;
  const placed = screens.map((s) => {
    const screen: ScreenGeometry = { ...s, x: nextX, y: 0 };
    nextX += s.width;
    return screen;
  });
  const displays: LayoutDisplay[] = [];
  for (const screen of placed) {
    const inside = screen.monitors.filter(
      (m) => m.width > 0 && m.height > 0 && m.x >= 0 && m.y >= 0 && m.x + m.width <= screen.width && m.y + m.height <= screen.height,
    );
    // A monitor list that does not fit the screen belongs to another screen: treat the screen as one monitor.
    const monitors = inside.length > 0 && inside.length === screen.monitors.length
      ? [...inside].sort((a, b) => a.x - b.x || a.y - b.y)
      : [{ name: `screen ${screen.index}`, x: 0, y: 0, width: screen.width, height: screen.height, scaleFactor: 1, primary: screen.index === 0 }];
    for (const m of monitors) {
      displays.push({
        screen: screen.index,
        local: { x: m.x, y: m.y, width: m.width, height: m.height },
        info: {
          id: String(displays.length),
          name: m.name,
          x: screen.x + m.x,
          y: screen.y + m.y,
          width: m.width,
          height: m.height,
          scaleFactor: m.scaleFactor,
          primary: m.primary,
        },
      });
    }
  }
  if (!displays.some((d) => d.info.primary) && displays.length > 0) displays[0].info.primary = true;
  return { screens: placed, displays };
}

/** The display whose rectangle holds a virtual-desktop point, if any. */
export function displayAt(displays: LayoutDisplay[], p: Point): LayoutDisplay | undefined {
  return displays.find((d) => p.x >= d.info.x && p.y >= d.info.y && p.x < d.info.x + d.info.width && p.y < d.info.y + d.info.height);
}

export function describeDisplays(displays: LayoutDisplay[]): string {
  return displays.map((d) => `#${d.info.id} ${d.info.width}x${d.info.height}+${d.info.x}+${d.info.y}`).join(', ');
}
