/**
 * Watches the X server's raw input (XInput2, see ./xi2-raw-input.ts) for two things:
 * - the emergency-stop chord, which works whatever app has focus;
 * - the user taking over: input the agent did not send, which pauses the run.
 * An event is the user's when it comes from a real device (not an XTEST one, which is how the agent
 * injects input), or when it arrives while the agent is not executing an action. The second rule is what
 * lets tests on a virtual display, where every injected event is XTEST, act as the user. The stop
 * chord counts from any source. Raw input is shared: any number of watchers (runs) can watch a display.
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Xi2RawInput, type Xi2RawEvent as RawEvent } from './xi2-raw-input.ts';

/**
 * How long after an action ends its own (XTEST) events may still arrive. They reach us through the X
 * connection and this process's event loop, which on a loaded machine lags by hundreds of
 * milliseconds; 150 ms was seen to take the agent's own click for the user's and pause the run again
 * right after a resume. Only XTEST input is judged by timing (real devices are always the user's),
 * so the cost of a long window is that synthetic input (xdotool, a VNC server) in that second after
 * an agent action does not pause the run.
 */
const AGENT_GRACE_MS = 1500;

const MODIFIER_ALIASES: Record<string, string> = {
  control_l: 'ctrl', control_r: 'ctrl', alt_l: 'alt', alt_r: 'alt', meta_l: 'alt', meta_r: 'alt',
  shift_l: 'shift', shift_r: 'shift', super_l: 'win', super_r: 'win', escape: 'esc', return: 'enter',
};

/** keysym name (lower case, modifiers folded: ctrl, alt, shift, win) for each keycode, from `xmodmap -pke`. */
export function parseKeymap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^keycode\s+(\d+)\s*=\s*(\S+)/.exec(line);
    if (!m) continue;
    const sym = m[2].toLowerCase();
    map.set(Number(m[1]), MODIFIER_ALIASES[sym] ?? sym);
  }
  return map;
}

/** Parses a chord such as "ctrl+alt+esc" into a sorted list of names as parseKeymap produces them. */
export function parseChord(text: string): string[] {
  const keys = text.toLowerCase().split('+').map((k) => k.trim()).filter(Boolean);
  const alias: Record<string, string> = { control: 'ctrl', escape: 'esc', super: 'win', meta: 'alt', cmd: 'win', command: 'win', return: 'enter' };
  if (keys.length === 0) throw new Error(`bad key chord "${text}": expected keys joined by +, e.g. ctrl+alt+esc`);
  return keys.map((k) => alias[k] ?? k).sort();
}

export interface InputWatcherEvents {
  'emergency-stop': [];
  'user-input': [RawEvent];
}

export class InputWatcher extends EventEmitter<InputWatcherEvents> {
  private input: Xi2RawInput | undefined;
  private readonly held = new Set<string>();
  private acting = 0;
  private actingEndedAt = 0;
  private userInputSinceCheck = false;
  private readonly keymap: Map<number, string>;
  private readonly xtestDevices: Set<number>;
  readonly chord: string[];

  constructor(readonly display: string, options: { stopChord?: string } = {}) {
    super();
    this.chord = parseChord(options.stopChord ?? 'ctrl+alt+esc');
    const env = { ...process.env, DISPLAY: display };
    this.keymap = parseKeymap(execFileSync('xmodmap', ['-pke'], { env, encoding: 'utf8' }));
    this.xtestDevices = parseXtestDevices(execFileSync('xinput', ['list', '--short'], { env, encoding: 'utf8' }));
  }

  /** Resolves once the watcher is listening. */
  async start(): Promise<void> {
    this.input = await Xi2RawInput.open(this.display);
    this.input.on('input', (event) => this.handle(event));
  }

  /** Marks the span of one agent action, so its own events are not taken for the user's. */
  async whileActing<T>(work: () => Promise<T>): Promise<T> {
    this.acting++;
    try {
      return await work();
    } finally {
      this.acting--;
      this.actingEndedAt = Date.now();
    }
  }

  /** True when the user gave input since the last call. */
  takeUserInput(): boolean {
    const value = this.userInputSinceCheck;
    this.userInputSinceCheck = false;
    return value;
  }

  private isUsers(event: RawEvent): boolean {
    if (!this.xtestDevices.has(event.source) && event.source >= 0) return true;
    return this.acting === 0 && Date.now() - this.actingEndedAt > AGENT_GRACE_MS;
  }

  private handle(event: RawEvent): void {
    const users = this.isUsers(event);
    if (event.type === 'key_press' || event.type === 'key_release') {
      const name = this.keymap.get(event.detail) ?? `keycode${event.detail}`;
      if (event.type === 'key_release') {
        this.held.delete(name);
      } else {
        // The chord stops the run whoever pressed it: it must never be lost to the timing rule above.
        this.held.add(name);
        const held = [...this.held].sort();
        if (this.chord.every((k) => held.includes(k))) {
          this.emit('emergency-stop');
          return;
        }
      }
    }
    if (users && event.type !== 'key_release') {
      this.userInputSinceCheck = true;
      this.emit('user-input', event);
    }
  }

  dispose(): void {
    this.input?.close();
    this.input = undefined;
  }
}

/** Device ids of the XTEST devices (how synthetic input enters the server). */
export function parseXtestDevices(listing: string): Set<number> {
  const ids = new Set<number>();
  for (const line of listing.split('\n')) {
    const m = /XTEST.*id=(\d+)/.exec(line);
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}
