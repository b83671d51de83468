/** Bad user input to a backend (a spec, a script file, a trace): the CLI turns it into exit code 2. */
export class BackendInputError extends Error {
  override name = 'BackendInputError';
}

/** The spec names a backend whose implementation is not in this build yet. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
