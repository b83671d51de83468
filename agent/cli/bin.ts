/** The deskpilot command: bin/deskpilot.js runs it from sources through tsx, dist/app/cli.js is it built. */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
