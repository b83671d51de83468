/** The emergency stop: a global shortcut that ends every live run, whatever window has focus. */
import type { GlobalShortcut } from 'electron';

export const STOP_ACCELERATOR = 'CommandOrControl+Alt+Shift+S';

export function setupEmergencyStop(shortcuts: Pick<GlobalShortcut, 'register'>, host: { stopAll(): void }, accelerator = STOP_ACCELERATOR): boolean {
  // register() returns false when another application owns the combination; the caller warns the user.
  return shortcuts.register(accelerator, () => host.stopAll());
}
