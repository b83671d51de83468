/** deskpilot model <convert|forward|pull|list>: each subcommand lives in ./model/<name>.ts. */
import { UsageError } from '../usage.ts';

const SUBCOMMANDS = ['convert', 'forward', 'pull', 'list'] as const;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`expected one of: ${SUBCOMMANDS.join(', ')}${sub ? ` (got "${sub}")` : ''}`);
  }
  const module = (await import(`./model/${sub}.ts`)) as { run(argv: string[]): Promise<number> };
  return module.run(rest);
}
