import { describe, expect, it } from 'vitest';
import { CANONICAL_KEYS, KeyNameError, SHIFTED_KEYS, normalizeKey, tryNormalizeKey } from '../../agent/actions/keys.ts';

describe('normalizeKey', () => {
  it.each([
    ['enter', 'enter'], ['Return', 'enter'], ['\n', 'enter'], ['esc', 'escape'], ['ESCAPE', 'escape'],
    ['ctrl', 'ctrl'], ['Control', 'ctrl'], ['ctrlleft', 'ctrl'], ['ctrlright', 'ctrlright'],
    ['option', 'alt'], ['Alt', 'alt'], ['shift', 'shift'], ['win', 'super'], ['super', 'super'],
    ['command', 'super'], ['cmd', 'super'], ['meta', 'super'], ['winleft', 'super'],
    ['F5', 'f5'], ['f24', 'f24'], ['pgup', 'pageup'], ['page_down', 'pagedown'], ['pgdn', 'pagedown'],
    ['Up', 'up'], ['arrowleft', 'left'], ['home', 'home'], ['End', 'end'], ['insert', 'insert'],
    ['del', 'delete'], ['Delete', 'delete'], ['backspace', 'backspace'], ['tab', 'tab'], ['space', 'space'],
    [' ', 'space'], ['capslock', 'capslock'], ['printscreen', 'printscreen'], ['prtsc', 'printscreen'],
    ['a', 'a'], ['A', 'A'], ['7', '7'], ['minus', '-'], ['comma', ','], ['slash', '/'], ['!', '!'],
    ['num5', 'num5'], ['numpad5', 'num5'], ['add', 'numadd'], ['volumeup', 'volumeup'],
  ])('%j -> %j', (name, canonical) => {
    expect(normalizeKey(name)).toBe(canonical);
  });

  it('refuses unknown names with a message naming the key', () => {
    expect(() => normalizeKey('hyperdrive')).toThrow(KeyNameError);
    expect(() => normalizeKey('hyperdrive')).toThrow(/"hyperdrive"/);
    expect(() => normalizeKey('')).toThrow(KeyNameError);
    expect(tryNormalizeKey('f25')).toBeUndefined();
    expect(tryNormalizeKey('constructor')).toBeUndefined();
    expect(tryNormalizeKey('__proto__')).toBeUndefined();
  });

  it('every canonical name normalizes to itself and every shifted key has a canonical base', () => {
    for (const key of CANONICAL_KEYS) expect(normalizeKey(key)).toBe(key);
    for (const base of Object.values(SHIFTED_KEYS)) expect(CANONICAL_KEYS).toContain(base);
    expect(new Set(CANONICAL_KEYS).size).toBe(CANONICAL_KEYS.length);
  });
});
