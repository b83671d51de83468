import type { CoordinateUnit, ModelFamily } from './types.ts';

export const MODEL_FAMILIES: readonly ModelFamily[] = ['kimi', 'uitars', 'pyautogui', 'computer_13'];

/** The coordinate convention each family's replies use unless a backend says otherwise. */
export function defaultCoordinates(family: ModelFamily): CoordinateUnit {
  switch (family) {
    case 'kimi':
      return 'relative';
    case 'uitars':
      return 'thousand';
    case 'pyautogui':
    case 'computer_13':
      return 'screen';
  }
}
