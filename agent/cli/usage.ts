/** Bad usage or bad input: the CLI prints the message (no stack) and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
