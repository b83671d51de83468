/**
 * The one table of key names. Models write pyautogui names ("enter", "ctrlleft", "pgdn") and many
 * aliases ("Return", "Cmd", "ESC"); everything downstream (safety rules, the desktop environment,
 * traces) sees only the canonical names listed in CANONICAL_KEYS.
 *
 * Canonical names are lower case, except printable characters, which are the character itself
 * (pyautogui semantics: press('A') and press('!') type a shifted key, see SHIFTED_KEYS).
 */

const NAMED_KEYS = [
  'enter', 'escape', 'tab', 'space', 'backspace', 'delete', 'insert',
  'home', 'end', 'pageup', 'pagedown', 'up', 'down', 'left', 'right',
  'ctrl', 'ctrlright', 'alt', 'altright', 'shift', 'shiftright', 'super', 'superright',
  'capslock', 'numlock', 'scrolllock', 'printscreen', 'pause', 'menu', 'fn',
  'num0', 'num1', 'num2', 'num3', 'num4', 'num5', 'num6', 'num7', 'num8', 'num9',
  'numadd', 'numsubtract', 'nummultiply', 'numdivide', 'numdecimal', 'numenter',
  'volumeup', 'volumedown', 'volumemute', 'playpause', 'stop', 'nexttrack', 'prevtrack',
] as const;

const FUNCTION_KEYS = Array.from({ length: 24 }, (_, i) => `f${i + 1}`);
const LOWER_LETTERS = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i));
const UPPER_LETTERS = LOWER_LETTERS.map((c) => c.toUpperCase());
const DIGITS = Array.from({ length: 10 }, (_, i) => String(i));
/** Unshifted punctuation of a US keyboard. */
const PUNCTUATION = ['-', '=', '[', ']', '\\', ';', "'", ',', '.', '/', '`'];

/**
 * Printable characters that need Shift on a US layout, with the key they shift. pyautogui presses
 * Shift for these; the desktop environment can do the same with this table.
 */
export const SHIFTED_KEYS: Readonly<Record<string, string>> = Object.freeze({
  '!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0',
  '_': '-', '+': '=', '{': '[', '}': ']', '|': '\\', ':': ';', '"': "'", '<': ',', '>': '.', '?': '/',
  '~': '`',
  ...Object.fromEntries(UPPER_LETTERS.map((c) => [c, c.toLowerCase()])),
});

export const CANONICAL_KEYS: readonly string[] = Object.freeze([
  ...NAMED_KEYS,
  ...FUNCTION_KEYS,
  ...LOWER_LETTERS,
  ...DIGITS,
  ...PUNCTUATION,
  ...Object.keys(SHIFTED_KEYS),
]);

const CANONICAL = new Set(CANONICAL_KEYS);

export const MODIFIER_KEYS: readonly string[] = Object.freeze([
  'ctrl', 'ctrlright', 'alt', 'altright', 'shift', 'shiftright', 'super', 'superright', 'fn',
]);

/** Aliases, all lower case with spaces, dashes and underscores removed before lookup. */
const ALIASES: Record<string, string> = {
  return: 'enter', ret: 'enter', '\n': 'enter', '\r': 'enter', kpenter: 'numenter',
  esc: 'escape',
  '\t': 'tab',
  ' ': 'space', spacebar: 'space',
  back: 'backspace', bksp: 'backspace', bs: 'backspace',
  del: 'delete', forwarddelete: 'delete',
  ins: 'insert',
  pgup: 'pageup', prior: 'pageup',
  pgdn: 'pagedown', pgdown: 'pagedown', next: 'pagedown',
  arrowup: 'up', uparrow: 'up', arrowdown: 'down', downarrow: 'down',
  arrowleft: 'left', leftarrow: 'left', arrowright: 'right', rightarrow: 'right',
  control: 'ctrl', ctl: 'ctrl', ctrlleft: 'ctrl', leftctrl: 'ctrl', lctrl: 'ctrl', controlleft: 'ctrl',
  rightctrl: 'ctrlright', rctrl: 'ctrlright', controlright: 'ctrlright',
  option: 'alt', opt: 'alt', altleft: 'alt', leftalt: 'alt', lalt: 'alt',
  rightalt: 'altright', ralt: 'altright', optionright: 'altright', altgr: 'altright',
  shiftleft: 'shift', leftshift: 'shift', lshift: 'shift', rightshift: 'shiftright', rshift: 'shiftright',
  win: 'super', windows: 'super', winleft: 'super', leftwin: 'super', command: 'super', cmd: 'super',
  meta: 'super', os: 'super', superleft: 'super', lsuper: 'super', commandleft: 'super',
  winright: 'superright', rightwin: 'superright', commandright: 'superright', cmdright: 'superright',
  caps: 'capslock',
  prtsc: 'printscreen', prtscr: 'printscreen', printscrn: 'printscreen', print: 'printscreen',
  prntscrn: 'printscreen', sysrq: 'printscreen',
  scroll: 'scrolllock', break: 'pause', apps: 'menu', contextmenu: 'menu',
  add: 'numadd', subtract: 'numsubtract', multiply: 'nummultiply', divide: 'numdivide', decimal: 'numdecimal',
  separator: 'numdecimal',
  volumeupkey: 'volumeup', volup: 'volumeup', voldown: 'volumedown', mute: 'volumemute', volmute: 'volumemute',
  play: 'playpause', mediaplaypause: 'playpause', nexttrackkey: 'nexttrack', prevtrackkey: 'prevtrack',
  previoustrack: 'prevtrack',
  minus: '-', hyphen: '-', dash: '-', equal: '=', equals: '=', plus: '+',
  bracketleft: '[', leftbracket: '[', bracketright: ']', rightbracket: ']',
  braceleft: '{', braceright: '}',
  backslash: '\\', semicolon: ';', colon: ':', apostrophe: "'", quote: "'", singlequote: "'",
  quotedbl: '"', doublequote: '"', comma: ',', period: '.', dot: '.', fullstop: '.', slash: '/',
  forwardslash: '/', question: '?', questionmark: '?', grave: '`', backtick: '`', backquote: '`',
  tilde: '~', exclam: '!', exclamation: '!', at: '@', numbersign: '#', hash: '#', pound: '#',
  dollar: '$', percent: '%', asciicircum: '^', caret: '^', ampersand: '&', asterisk: '*', star: '*',
  parenleft: '(', parenright: ')', underscore: '_', bar: '|', pipe: '|', less: '<', greater: '>',
};

for (let i = 0; i <= 9; i++) {
  ALIASES[`numpad${i}`] = `num${i}`;
  ALIASES[`kp${i}`] = `num${i}`;
}

export class KeyNameError extends Error {
  constructor(readonly key: string) {
    super(
      `unknown key name ${JSON.stringify(key)}; use a pyautogui key name such as 'enter', 'esc', 'ctrl', ` +
        `'alt', 'shift', 'win', 'tab', 'backspace', 'delete', 'pageup', 'up', 'f5', a letter or a digit`,
    );
    this.name = 'KeyNameError';
  }
}

/** Returns the canonical name of a key, or throws KeyNameError naming the bad key. */
export function normalizeKey(name: string): string {
  const result = tryNormalizeKey(name);
  if (result === undefined) throw new KeyNameError(name);
  return result;
}

/** Like normalizeKey, but returns undefined for an unknown name. */
export function tryNormalizeKey(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return undefined;
  // A single printable character is itself (case matters: 'A' is shift+a, as in pyautogui).
  if (name.length === 1 && CANONICAL.has(name)) return name;
  if (name.length === 1 && ALIASES[name] !== undefined) return ALIASES[name];
  if (name.length > 40) return undefined;
  const folded = name.trim().toLowerCase().replace(/[\s_-]+/g, '');
  if (folded.length === 0) return undefined;
  if (CANONICAL.has(folded) && folded.length > 1) return folded;
  if (Object.prototype.hasOwnProperty.call(ALIASES, folded)) return ALIASES[folded];
  // Words with the single character inside, e.g. "key_a" is not a pyautogui name: keep it unknown.
  if (folded.length === 1 && CANONICAL.has(folded)) return folded;
  return undefined;
}

export function isModifierKey(canonical: string): boolean {
  return MODIFIER_KEYS.includes(canonical);
}
