/**
 * What a run's own input has left behind on the desktop, as the safety policy must see it: the keys
 * held down (keyDown('alt'); press('f4') is the chord alt+f4) and the text typed into the focused field
 * so far (a command written in two pieces is still that command). One per run, fed every action that ran.
 */
import type { ScreenAction } from '../protocol/actions.ts';
import { tryNormalizeKey } from '../actions/keys.ts';

/** Canonical key name with left/right variants folded and letters lower-cased, for chord matching. */
export function canonicalKey(name: string): string | undefined {
  const key = tryNormalizeKey(name);
  if (key === undefined) return undefined;
  const folded = key.endsWith('right') && key.length > 5 && ['ctrl', 'alt', 'shift', 'super'].includes(key.slice(0, -5)) ? key.slice(0, -5) : key;
  return folded.length === 1 ? folded.toLowerCase() : folded;
}

function keyOf(name: string): string {
  return canonicalKey(name) ?? name.toLowerCase();
}

/**
 * Keys after which the focused field is taken to start afresh: a line was submitted, focus moved, or
 * (up / down, page keys) another line or a history entry whose text is not known here came up.
 */
const FIELD_ENDING_KEYS = new Set(['enter', 'numenter', 'tab', 'escape', 'up', 'down', 'pageup', 'pagedown']);
const SUBMIT_KEYS = new Set(['enter', 'numenter']);
/** The field text kept: enough for any command line, bounded for a model that types for hours. */
const FIELD_LIMIT = 8192;

export class InputState {
  /** Keys down, by chord name, with the name the action used (to release exactly that key). */
  private readonly down = new Map<string, string>();
  /** The focused field's line as the run typed it, and where its cursor is. */
  private typed = '';
  private cursor = 0;
  /** Whether Backspace / Delete changed the line since text was last typed into it (and so judged). */
  private edited = false;

  private get held(): string[] {
    return [...this.down.keys()];
  }

  /** Keys the run pressed with key_down and has not released, as the actions named them. */
  get heldKeys(): string[] {
    return [...this.down.values()];
  }

  /**
   * The focused field's line once `text` is typed at its cursor: what the run typed since focus last
   * moved or a line was submitted, with its own edits (arrows, Home / End, Backspace / Delete) applied.
   */
  fieldAfter(text: string): string {
    return this.typed.slice(0, this.cursor) + text + this.typed.slice(this.cursor);
  }

  /**
   * The line a key press submits when that line was edited after its last judged write (deleting can
   * turn a harmless line into a destructive one); undefined otherwise.
   */
  submitsEdited(action: ScreenAction): string | undefined {
    return action.kind === 'press' && SUBMIT_KEYS.has(keyOf(action.key)) && this.edited ? this.typed : undefined;
  }

  private setField(typed: string, cursor: number): void {
    const cut = Math.max(0, typed.length - FIELD_LIMIT);
    this.typed = typed.slice(cut);
    this.cursor = Math.min(this.typed.length, Math.max(0, cursor - cut));
  }

  /**
   * The chords an action presses: for each key that goes down, every key down at that moment (sorted).
   * Typing counts too while a modifier other than shift is held (ctrl held, then write('q') is ctrl+q).
   */
  chords(action: ScreenAction): string[][] {
    const chord = (...keys: string[]) => [...new Set([...this.held, ...keys])].sort();
    switch (action.kind) {
      case 'hotkey': {
        const keys = action.keys.map(keyOf);
        return keys.map((_, i) => chord(...keys.slice(0, i + 1)));
      }
      case 'press':
      case 'key_down':
        return [chord(keyOf(action.key))];
      case 'type': {
        if (!this.held.some((k) => k !== 'shift')) return [];
        return [...new Set([...action.text].map(keyOf))].map((k) => chord(k));
      }
      default:
        return [];
    }
  }

  /** Records an action that was executed. */
  apply(action: ScreenAction): void {
    switch (action.kind) {
      case 'key_down':
        this.down.set(keyOf(action.key), action.key);
        return;
      case 'key_up':
        this.down.delete(keyOf(action.key));
        return;
      case 'type': {
        const newline = action.text.lastIndexOf('\n');
        // A newline submits the line: what follows it starts a new one.
        if (newline >= 0) this.setField(action.text.slice(newline + 1), action.text.length - newline - 1);
        else this.setField(this.fieldAfter(action.text), this.cursor + action.text.length);
        this.edited = false;
        return;
      }
      case 'press': {
        const key = keyOf(action.key);
        const n = action.presses;
        const [before, after] = [this.typed.slice(0, this.cursor), this.typed.slice(this.cursor)];
        const length = this.typed.length;
        if (key === 'backspace') this.setField(before.slice(0, Math.max(0, before.length - n)) + after, this.cursor - n);
        else if (key === 'delete') this.setField(before + after.slice(n), this.cursor);
        else if (key === 'left') this.cursor = Math.max(0, this.cursor - n);
        else if (key === 'right') this.cursor = Math.min(this.typed.length, this.cursor + n);
        else if (key === 'home') this.cursor = 0;
        else if (key === 'end') this.cursor = this.typed.length;
        else if (FIELD_ENDING_KEYS.has(key)) this.setField('', 0);
        this.edited = (this.edited || this.typed.length !== length) && this.typed !== '';
        return;
      }
      case 'hotkey':
      case 'click':
      case 'mouse_down':
      case 'drag':
        // Shortcuts (paste, select all, switch window) and clicks change the field in ways not tracked here.
        this.setField('', 0);
        this.edited = false;
        return;
      default:
        return;
    }
  }
}
