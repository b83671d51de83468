#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader, so there is no build step between edit and use.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../agent/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
