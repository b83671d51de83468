/**
 * Watches the X server's raw input (XInput2 via `xinput test-xi2 --root`) for two things:
 * - the emergency-stop chord, which works whatever app has focus;
 * - the user taking over: input the agent did not send, which pauses the run.
 * An event is the user's when it comes from a real device (not an XTEST one, which is how the agent
 * injects input), or when it arrives while the agent is not executing an action. The second rule is what
 * lets tests on a virtual display, where every injected event is XTEST, act as the user. The stop
 * chord counts from any source.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EventEmitter } from 'node:events';

/**
 * How long after an action ends its own (XTEST) events may still arrive. xinput's output reaches us
 * through a pipe and this process's event loop, which on a loaded machine lag by hundreds of
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

export interface RawEvent {
  type: 'key_press' | 'key_release' | 'button_press' | 'motion';
  detail: number;
  /** Source device id (the one in parentheses). */
  source: number;
}

const EVENT_TYPES: Record<string, RawEvent['type']> = {
  RawKeyPress: 'key_press',
  RawKeyRelease: 'key_release',
  RawButtonPress: 'button_press',
  RawMotion: 'motion',
  // A warped pointer (how some tools move it) shows up only as a core Motion event.
  Motion: 'motion',
};

export interface InputWatcherEvents {
  'emergency-stop': [];
  'user-input': [RawEvent];
  /** A key went down; the keys held now, sorted as parseChord sorts a chord. */
  'keys-held': [string[]];
}

/** Whether every key of `chord` (from parseChord) is among `held`. */
export function chordHeld(chord: string[], held: string[]): boolean {
  return chord.every((k) => held.includes(k));
}

export class InputWatcher extends EventEmitter<InputWatcherEvents> {
  private child: ChildProcess | undefined;
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
    const env = { ...process.env, DISPLAY: this.display };
    // stdbuf: xinput writes through stdio, which would hold events back in a pipe buffer.
    const child = spawn('stdbuf', ['-oL', 'xinput', 'test-xi2', '--root'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    let pending: { type: RawEvent['type']; fromCore: boolean; detail?: number; source?: number } | undefined;
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    lines.on('line', (line) => {
      if (line.startsWith('⎡') || line.startsWith('⎣')) ready();
      const head = /^EVENT type \d+ \((\w+)\)/.exec(line);
      if (head) {
        pending = EVENT_TYPES[head[1]] ? { type: EVENT_TYPES[head[1]], fromCore: !head[1].startsWith('Raw') } : undefined;
        return;
      }
      if (!pending) return;
      const device = /^\s+device: \d+ \((\d+)\)/.exec(line);
      // Core Motion events name the master device, not where the motion came from.
      if (device && !pending.fromCore) pending.source = Number(device[1]);
      const detail = /^\s+detail: (\d+)/.exec(line);
      if (detail) {
        pending.detail = Number(detail[1]);
        this.handle({ type: pending.type, detail: pending.detail, source: pending.source ?? -1 });
        pending = undefined;
      }
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
      ready();
    });
    await Promise.race([started, new Promise((r) => setTimeout(r, 2000))]);
    // xinput prints the device list before it selects events; give the selection a moment.
    await new Promise((r) => setTimeout(r, 100));
    // X gives one client at a time a root window's input: a second watcher of the display dies at once.
    if (exited || child.exitCode !== null) {
      this.child = undefined;
      throw new Error(`xinput could not watch the input of display ${this.display}: another program already does (X allows one; in this process, share it with watchDisplay)`);
    }
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
        this.emit('keys-held', held);
        if (chordHeld(this.chord, held)) {
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
    this.child?.kill('SIGTERM');
    this.child = undefined;
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

/** One run's view of a shared watcher: its own stop chord and its own takeover flag. */
export interface DisplayWatch {
  /** True when the user gave input since the last call. */
  takeUserInput(): boolean;
  /** Marks the span of one agent action, so its own events are not taken for the user's. */
  whileActing<T>(work: () => Promise<T>): Promise<T>;
  release(): void;
}

/** Per display: the one watcher this process runs there, and how many runs use it. */
const shared = new Map<string, { watcher: Promise<InputWatcher>; users: number }>();

/**
 * Watches `display` for `stopChord` and for user input. X lets one client at a time select a root
 * window's input, so the runs of this process on one display share one watcher (each with its own
 * chord and takeover flag); the last release ends it.
 */
export async function watchDisplay(display: string, stopChord: string, onStop: () => void): Promise<DisplayWatch> {
  const chord = parseChord(stopChord);
  let entry = shared.get(display);
  if (!entry) {
    const created = new InputWatcher(display);
    const starting = created.start().then(() => created);
    entry = { watcher: starting, users: 0 };
    shared.set(display, entry);
    starting.catch(() => {
      created.dispose();
      if (shared.get(display)?.watcher === starting) shared.delete(display);
    });
  }
  entry.users += 1;
  const mine = entry;
  let watcher: InputWatcher;
  try {
    watcher = await mine.watcher;
  } catch (error) {
    mine.users -= 1;
    throw error;
  }
  let userInput = false;
  const onKeys = (held: string[]) => {
    if (chordHeld(chord, held)) onStop();
  };
  const onInput = () => (userInput = true);
  watcher.on('keys-held', onKeys);
  watcher.on('user-input', onInput);
  let released = false;
  return {
    takeUserInput() {
      const value = userInput;
      userInput = false;
      return value;
    },
    whileActing: (work) => watcher.whileActing(work),
    release() {
      if (released) return;
      released = true;
      watcher.off('keys-held', onKeys);
      watcher.off('user-input', onInput);
      mine.users -= 1;
      if (mine.users === 0) {
        shared.delete(display);
        watcher.dispose();
      }
    },
  };
}
