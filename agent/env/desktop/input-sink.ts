import type { MouseButton, Point } from '../../protocol/actions.ts';

/**
 * The primitive input operations an action is made of, in virtual-desktop coordinates. The
 * DesktopEnvironment implements them over its drivers; keeping actions in terms of these makes the
 * sequencing (drag steps, multi-clicks, held keys released on failure) one readable function.
 */
export interface InputSink {
  move(p: Point): Promise<void>;
  button(button: MouseButton, state: 'down' | 'up'): Promise<void>;
  /** `count` press-release pairs in quick succession (one double or triple click). */
  click(button: MouseButton, count: number): Promise<void>;
  scroll(dx: number, dy: number): Promise<void>;
  keys(keys: string[], state: 'down' | 'up'): Promise<void>;
  typeAscii(text: string): Promise<void>;
  /** Pastes text through the clipboard, restoring what was there. */
  paste(text: string): Promise<void>;
  pointer(): Promise<Point>;
}
