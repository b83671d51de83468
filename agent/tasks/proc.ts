/** Runs a command to completion with a timeout, capturing stdout / stderr (never throws on exit code). */
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started or was killed for the timeout. */
  error?: string;
}

export function runCommand(
  argv: string[] | { shell: string },
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const [file, args] = Array.isArray(argv) ? [argv[0], argv.slice(1)] : ['/bin/sh', ['-c', argv.shell]];
    const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let error: string | undefined;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // a program that exits without reading its input
      child.stdin.end(options.input);
    }
    const timer = setTimeout(() => {
      error = `timed out after ${options.timeoutMs} ms`;
      killGroup(child.pid);
    }, options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      error = `cannot start ${file}: ${e.message}`;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr, ...(error ? { error } : {}) });
    });
  });
}

/** Kills a process group started with detached: true (the program and everything it forked). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
