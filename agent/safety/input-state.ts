/**
 * What a run's own input has left behind on the desktop, as the safety policy must see it: the keys
 * held down (keyDown('alt'); press('f4') is the chord alt+f4) and the text typed into the focused field
 * so far (a command written in two pieces is still that command). One per run, fed every action that ran.
 */
import type { ScreenAction } from '../actions/types.ts';
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

/** Keys after which the focused field starts afresh (a line was submitted, focus moved, or the field left). */
const FIELD_ENDING_KEYS = new Set(['enter', 'numenter', 'tab', 'escape']);
/** The field text kept: enough for any command line, bounded for a model that types for hours. */
const FIELD_LIMIT = 8192;

export class InputState {
  /** Keys down, by chord name, with the name the action used (to release exactly that key). */
  private readonly down = new Map<string, string>();
  private typed = '';

  private get held(): string[] {
    return [...this.down.keys()];
  }

  /** Keys the run pressed with key_down and has not released, as the actions named them. */
  get heldKeys(): string[] {
    return [...this.down.values()];
  }

  /** The text typed into the focused field since focus last moved or a line was submitted. */
  get field(): string {
    return this.typed;
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
        const text = this.typed + action.text;
        // A newline submits the line: what follows it is a new command.
        this.typed = text.slice(text.lastIndexOf('\n') + 1).slice(-FIELD_LIMIT);
        return;
      }
      case 'press': {
        const key = keyOf(action.key);
        if (key === 'backspace') this.typed = this.typed.slice(0, Math.max(0, this.typed.length - action.presses));
        else if (FIELD_ENDING_KEYS.has(key)) this.typed = '';
        return;
      }
      case 'hotkey':
      case 'click':
      case 'mouse_down':
      case 'drag':
        // Shortcuts (paste, select all, switch window) and clicks change the field in ways not tracked here.
        this.typed = '';
        return;
      default:
        return;
    }
  }
}
