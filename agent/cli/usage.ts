import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad usage or bad input: the CLI prints the message (no stack) and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** node:util parseArgs, with its complaints (unknown option, missing value) turned into a UsageError that shows the usage. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}
