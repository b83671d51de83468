/** Window facts on X11 (wmctrl / xdotool / xprop), used by masking and by window-aware safety rules. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WindowInfo {
  id: string;
  title: string;
  className: string;
  /** Frame geometry in virtual-desktop pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
}

async function output(cmd: string, args: string[], display: string): Promise<string> {
  const { stdout } = await run(cmd, args, { env: { ...process.env, DISPLAY: display }, timeout: 3000 });
  return stdout;
}

/** Parses `wmctrl -lGx`: id desktop x y w h class host title... */
export function parseWmctrl(text: string): WindowInfo[] {
  const windows: WindowInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^(0x[0-9a-f]+)\s+-?\d+\s+(-?\d+)\s+(-?\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+\S+\s?(.*)$/i.exec(line);
    if (!m) continue;
    windows.push({
      id: m[1],
      x: Number(m[2]),
      y: Number(m[3]),
      width: Number(m[4]),
      height: Number(m[5]),
      className: m[6],
      title: m[7],
    });
  }
  return windows;
}

export async function listWindows(display: string): Promise<WindowInfo[]> {
  return parseWmctrl(await output('wmctrl', ['-lGx'], display));
}

/** The focused window's title and WM_CLASS, or undefined when nothing has focus. */
export async function activeWindow(display: string): Promise<{ title: string; className: string } | undefined> {
  try {
    const id = (await output('xdotool', ['getactivewindow'], display)).trim();
    if (!id) return undefined;
    const props = await output('xprop', ['-id', id, 'WM_CLASS', '_NET_WM_NAME', 'WM_NAME'], display);
    const cls = /WM_CLASS\(STRING\) = "([^"]*)", "([^"]*)"/.exec(props);
    const name = /_NET_WM_NAME\(UTF8_STRING\) = "((?:[^"\\]|\\.)*)"/.exec(props) ?? /WM_NAME\(\w+\) = "((?:[^"\\]|\\.)*)"/.exec(props);
    return { title: name ? name[1].replace(/\\(.)/g, '$1') : '', className: cls ? `${cls[1]}.${cls[2]}` : '' };
  } catch {
    return undefined;
  }
}
