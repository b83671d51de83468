#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader, so there is no build step between edit and use
// (npm run build compiles the same entry, agent/cli/bin.ts, to dist/app/cli.js for the packaged app).
import { register } from 'tsx/esm/api';
register();
await import('../agent/cli/bin.ts');
