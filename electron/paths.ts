/** Where the packaged app finds its parts; the layout electron-builder.yml packs. */
import { join } from 'node:path';
import type { App } from 'electron';

export interface AppPaths {
  uiDir: string;
  preload: string;
  runsDir: string;
}

export function appPaths(app: Pick<App, 'getAppPath' | 'getPath'>, env: NodeJS.ProcessEnv = process.env): AppPaths {
  const root = app.getAppPath();
  return {
    uiDir: join(root, 'renderer', 'dist'),
    preload: join(root, 'dist', 'preload', 'preload.cjs'),
    runsDir: env.DESKPILOT_RUNS_DIR ?? join(app.getPath('userData'), 'runs'),
  };
}
