/**
 * Placeholders a task file may hold in commands and paths. OSWorld's own are {CLIENT_PASSWORD} and
 * the screen sizes; {SUITE_DIR} (the folder holding the suite's index) lets a bundled task point at
 * its local pages and reference files without absolute paths. /home/user, the home of OSWorld's VM
 * user, is mapped to the environment's scratch home so tasks run unchanged.
 */
export interface PlaceholderValues {
  home: string;
  suiteDir: string;
  screenWidth: number;
  screenHeight: number;
  /** OSWorld's VM password; commands here never need a real one (see apps.ts on sudo). */
  password?: string;
}

export const VM_HOME = '/home/user';

export function substitute(text: string, v: PlaceholderValues): string {
  return text
    .replaceAll('{CLIENT_PASSWORD}', v.password ?? 'password')
    .replaceAll('{SCREEN_WIDTH_HALF}', String(Math.floor(v.screenWidth / 2)))
    .replaceAll('{SCREEN_HEIGHT_HALF}', String(Math.floor(v.screenHeight / 2)))
    .replaceAll('{SCREEN_WIDTH}', String(v.screenWidth))
    .replaceAll('{SCREEN_HEIGHT}', String(v.screenHeight))
    .replaceAll('{SUITE_DIR}', v.suiteDir)
    .replace(/\/home\/user(?=\/|$|\s|'|")/g, v.home);
}

/** A path as the task wrote it (absolute VM path, ~/..., or placeholder) -> a path on this host. */
export function hostPath(path: string, v: PlaceholderValues): string {
  const p = substitute(path, v);
  if (p === '~') return v.home;
  if (p.startsWith('~/')) return v.home + p.slice(1);
  return p;
}

/** Replaces placeholders in every string of a JSON value. */
export function substituteDeep<T>(value: T, v: PlaceholderValues): T {
  if (typeof value === 'string') return substitute(value, v) as T;
  if (Array.isArray(value)) return value.map((x) => substituteDeep(x, v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, substituteDeep(x, v)])) as T;
  }
  return value;
}
