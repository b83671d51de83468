/**
 * deskpilot serve [--port P] [--runs-dir DIR] [--open] [--no-build]: the UI and the agent protocol on
 * 127.0.0.1, behind a token that is new on every start and printed in the URL.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAgentAdapter } from '../../server/agent-adapter.ts';
import { AgentHost } from '../../server/agent-host.ts';
import { runFileUrl, runReportUrl, startServeServer } from '../../server/http-server.ts';
import { escapeHtml } from '../../server/report.ts';
import { ensureUiBuilt, UI_DIST } from '../../server/ui-build.ts';
import { UsageError } from '../usage.ts';

const HELP = `usage: deskpilot serve [--port P] [--runs-dir DIR] [--open] [--no-build]

  --port P        port on 127.0.0.1 (default: a free port)
  --runs-dir DIR  folder of run traces and bench runs (default: ~/.local/share/deskpilot/runs)
  --open          open the UI in the default browser
  --no-build      serve renderer/dist as it is (do not rebuild a stale UI)`;

interface ServeArgs {
  port: number;
  runsDir: string;
  open: boolean;
  build: boolean;
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeArgs | 'help' {
  const dataHome = env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share');
  const args: ServeArgs = { port: 0, runsDir: join(dataHome, 'deskpilot', 'runs'), open: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--port') {
      const raw = value();
      const port = Number(raw);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer 0..65535 (got "${raw}")`);
      args.port = port;
    } else if (flag === '--runs-dir') args.runsDir = resolve(value());
    else if (flag === '--open') args.open = true;
    else if (flag === '--no-build') args.build = false;
    else throw new UsageError(`unknown option "${flag}"\n${HELP}`);
  }
  return args;
}

/**
 * Opens the UI in the default browser without putting the token on a command line (where `ps` shows it
 * to every user): the browser is handed a page, readable by this user only, that forwards to the URL.
 * Returns the function that removes the page.
 */
async function openBrowser(url: string): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'deskpilot-open-')); // 0700
  const page = join(dir, 'open-deskpilot.html');
  await writeFile(page, `<!doctype html><meta http-equiv="refresh" content="0;url=${escapeHtml(url)}"><a href="${escapeHtml(url)}">Open DeskPilot</a>\n`, { mode: 0o600 });
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  spawn(command, [page], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  return () => rm(dir, { recursive: true, force: true });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseServeArgs(argv);
  if (args === 'help') {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  await mkdir(args.runsDir, { recursive: true });
  const uiDir = args.build ? await ensureUiBuilt((line) => process.stderr.write(line + '\n')) : UI_DIST;
  const token = randomBytes(24).toString('base64url');
  const host = new AgentHost({ runsDir: args.runsDir, fileUrl: runFileUrl(token), reportUrl: runReportUrl(token), agent: createAgentAdapter() });
  const server = await startServeServer({ host, runsDir: args.runsDir, token, port: args.port, uiDir });
  process.stdout.write(`DeskPilot UI: ${server.url}\nruns folder: ${args.runsDir}\n`);
  const removeOpenPage = args.open ? await openBrowser(server.url) : async () => undefined;
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await host.dispose();
  await server.close();
  await removeOpenPage();
  return 0;
}
