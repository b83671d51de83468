// Electron's entry point (package.json "main" names this file). A packaged app runs the main process
// that `npm run build` compiled to plain JavaScript (dist/app/main.js); a checkout (`electron .`) runs
// the TypeScript sources through tsx's loader, as bin/deskpilot.js does for the CLI, so an edit needs
// no build and never runs a stale one.
import { app } from 'electron';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/app/main.js', import.meta.url);
if (app.isPackaged) {
  if (!existsSync(built)) throw new Error(`DeskPilot was packaged without its build: ${fileURLToPath(built)} is missing; run npm run build, then package again`);
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
