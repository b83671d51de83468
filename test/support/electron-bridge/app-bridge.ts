/**
 * npm run app:bridge -- [--screenshot FILE] [--runs-dir DIR]
 *
 * The desktop app without an Electron binary: the real electron/main.ts on the bridge (a test harness,
 * see electron-api.ts), its windows as Chromium windows (headed when DISPLAY is set). With --screenshot
 * it writes a PNG of the main window once its first screen has rendered, and exits 0.
 */
import { register } from 'node:module';
import { resolve } from 'node:path';
import { CHROMIUM } from './electron-api.ts';

const USAGE = `usage: npm run app:bridge -- [--screenshot FILE] [--runs-dir DIR]

  --screenshot FILE  write a PNG of the main window once its first screen has rendered, then quit
  --runs-dir DIR     folder of run traces (default: $DESKPILOT_RUNS_DIR, else the app's userData/runs)

Runs the real Electron main process (electron/main.ts) with Electron's API backed by Debian's Chromium
(${CHROMIUM}), headed when DISPLAY is set, headless otherwise.`;

interface Args {
  screenshot?: string;
  runsDir?: string;
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') return USAGE;
    if (flag !== '--screenshot' && flag !== '--runs-dir') return `app:bridge: unknown option "${flag}"\n\n${USAGE}`;
    if (value === undefined || value.startsWith('--')) return `app:bridge: ${flag} needs a value\n\n${USAGE}`;
    if (flag === '--screenshot') args.screenshot = resolve(value);
    else args.runsDir = resolve(value);
    i++;
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    const help = args === USAGE;
    (help ? process.stdout : process.stderr).write(`${args}\n`);
    return help ? 0 : 2;
  }
  if (args.screenshot && !args.screenshot.toLowerCase().endsWith('.png')) {
    process.stderr.write(`app:bridge: --screenshot writes a PNG; name the file *.png (got ${args.screenshot})\n`);
    return 2;
  }
  if (args.runsDir) process.env.DESKPILOT_RUNS_DIR = args.runsDir;
  // Before main.ts is imported: from here on `import 'electron'` is the bridge.
  register('./electron-resolve.mjs', import.meta.url);
  const { launchBridgedApp } = await import('./launch.ts');
  const { quitted } = await import('./electron-api.ts');
  const headless = !process.env.DISPLAY;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const app = await launchBridgedApp({ headless }, log);
  if (args.screenshot) {
    // The first screen: the run form, filled in with the host's answer over IPC (the execution
    // providers it offers), or the error it gave.
    await app.mainPage.locator('[data-testid=provider] option:nth-child(2), [data-testid=run-screen] .error').first().waitFor({ state: 'attached', timeout: 30_000 });
    await app.mainPage.screenshot({ path: args.screenshot });
    process.stdout.write(`wrote ${args.screenshot}\n`);
    await app.quit();
    return 0;
  }
  process.stdout.write(
    headless
      ? 'DeskPilot is running on the Electron bridge, headless (no DISPLAY): set DISPLAY to see its window, or pass --screenshot FILE. Ctrl+C quits.\n'
      : 'DeskPilot is running on the Electron bridge; close its window or press Ctrl+C to quit.\n',
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.quit());
  await quitted;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`app:bridge: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
