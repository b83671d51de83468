/**
 * Starts a bench run as a child `deskpilot bench` process: the runner drives its own displays and
 * child processes, and a crash there must not take the UI host down with it.
 */
import { spawn } from 'node:child_process';
import { entryPoint } from '../../models/entry-point.ts';

export interface BenchJob {
  suite: string;
  model: string;
  envs: number;
  maxSteps: number;
  zoomClicks: boolean;
  outDir: string;
}

export interface BenchProcess {
  /** Resolves with the exit code and the tail of stderr (for the error shown when it fails). */
  exited: Promise<{ code: number | null; stderrTail: string }>;
  stop(): void;
}

export type BenchLauncher = (job: BenchJob) => BenchProcess;

export const launchBenchCli: BenchLauncher = (job) => {
  const cli = entryPoint('cli', new URL('../../bin/deskpilot.js', import.meta.url));
  const args = [...cli.execArgv, cli.file, 'bench', job.suite, '--model', job.model, '--out', job.outDir, '--envs', String(job.envs), '--max-steps', String(job.maxSteps), ...(job.zoomClicks ? ['--zoom-clicks'] : [])];
  // Inside Electron, execPath is the Electron binary: ELECTRON_RUN_AS_NODE makes it a plain Node.
  const env = process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let tail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-2000);
  });
  const exited = new Promise<{ code: number | null; stderrTail: string }>((resolveExit) => {
    child.on('error', (error) => resolveExit({ code: null, stderrTail: String(error) }));
    child.on('exit', (code) => resolveExit({ code, stderrTail: tail }));
  });
  return { exited, stop: () => child.kill('SIGTERM') };
};
