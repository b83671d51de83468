import { Key } from '@nut-tree-fork/nut-js';
import { SHIFTED_KEYS, tryNormalizeKey } from '../../actions/keys.ts';

/**
 * Canonical key names (agent/actions/keys.ts) to nut-js keys. Shifted characters ('!', 'A', '{')
 * become a Shift chord, as pyautogui does; the layout is assumed to be US, like the canonical table.
 */
const BASE: Readonly<Record<string, Key>> = {
  enter: Key.Enter, escape: Key.Escape, tab: Key.Tab, space: Key.Space, backspace: Key.Backspace,
  delete: Key.Delete, insert: Key.Insert, home: Key.Home, end: Key.End, pageup: Key.PageUp,
  pagedown: Key.PageDown, up: Key.Up, down: Key.Down, left: Key.Left, right: Key.Right,
  ctrl: Key.LeftControl, ctrlright: Key.RightControl, alt: Key.LeftAlt, altright: Key.RightAlt,
  shift: Key.LeftShift, shiftright: Key.RightShift, super: Key.LeftSuper, superright: Key.RightSuper,
  capslock: Key.CapsLock, numlock: Key.NumLock, scrolllock: Key.ScrollLock, printscreen: Key.Print,
  menu: Key.Menu, fn: Key.Fn,
  numadd: Key.Add, numsubtract: Key.Subtract, nummultiply: Key.Multiply, numdivide: Key.Divide,
  numdecimal: Key.Decimal, numenter: Key.Enter,
  volumeup: Key.AudioVolUp, volumedown: Key.AudioVolDown, volumemute: Key.AudioMute,
  playpause: Key.AudioPlay, stop: Key.AudioStop, nexttrack: Key.AudioNext, prevtrack: Key.AudioPrev,
  '-': Key.Minus, '=': Key.Equal, '[': Key.LeftBracket, ']': Key.RightBracket, '\\': Key.Backslash,
  ';': Key.Semicolon, "'": Key.Quote, ',': Key.Comma, '.': Key.Period, '/': Key.Slash, '`': Key.Grave,
};

const NUMPAD = [Key.NumPad0, Key.NumPad1, Key.NumPad2, Key.NumPad3, Key.NumPad4, Key.NumPad5, Key.NumPad6, Key.NumPad7, Key.NumPad8, Key.NumPad9];
const DIGITS = [Key.Num0, Key.Num1, Key.Num2, Key.Num3, Key.Num4, Key.Num5, Key.Num6, Key.Num7, Key.Num8, Key.Num9];

/** Canonical names nut-js has no key for on any platform; refused with a clear message, not dropped. */
const UNSUPPORTED = new Set(['pause']);

function baseKey(name: string, platform: NodeJS.Platform): Key | undefined {
  // The logo key is Command on macOS; nut-js keeps them as separate keys.
  if (name === 'super') return platform === 'darwin' ? Key.LeftCmd : Key.LeftSuper;
  if (name === 'superright') return platform === 'darwin' ? Key.RightCmd : Key.RightSuper;
  if (BASE[name] !== undefined) return BASE[name];
  if (/^[a-z]$/.test(name)) return Key[name.toUpperCase() as keyof typeof Key] as Key;
  if (/^[0-9]$/.test(name)) return DIGITS[Number(name)];
  const numpad = /^num([0-9])$/.exec(name);
  if (numpad) return NUMPAD[Number(numpad[1])];
  const fn = /^f([1-9]|1[0-9]|2[0-4])$/.exec(name);
  if (fn) return Key[`F${fn[1]}` as keyof typeof Key] as Key;
  return undefined;
}

/**
 * The nut-js keys to hold, in press order, for one key name (canonical or any alias keys.ts accepts).
 * Throws naming the key when it is unknown or has no nut-js equivalent.
 */
export function nutChordFor(name: string, platform: NodeJS.Platform = process.platform): Key[] {
  const canonical = tryNormalizeKey(name);
  if (canonical === undefined) {
    throw new Error(`unknown key ${JSON.stringify(name)}: use a pyautogui key name (enter, esc, ctrl, alt, shift, win, tab, f5, a, 1, ...)`);
  }
  if (UNSUPPORTED.has(canonical)) throw new Error(`key ${JSON.stringify(name)} cannot be sent by the desktop driver`);
  const shiftedBase = SHIFTED_KEYS[canonical];
  if (shiftedBase !== undefined) return [Key.LeftShift, nutChordFor(shiftedBase, platform)[0]];
  const key = baseKey(canonical, platform);
  if (key === undefined) throw new Error(`key ${JSON.stringify(name)} (canonical ${JSON.stringify(canonical)}) has no nut-js mapping`);
  return [key];
}
