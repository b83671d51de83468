// Electron's entry point (package.json "main" should name this file): runs the TypeScript main
// process through tsx's loader, as bin/deskpilot.js does for the CLI, so the agent ships unbundled.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
