/**
 * deskpilot serve-model <package> [--port P] [--host H] [--name NAME] [--provider EP] [--max-queue N]
 * Serves a local model package over an OpenAI-compatible API until interrupted.
 */
import { basename, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { parseCommandLine, UsageError } from '../usage.ts';
import { openKimiBackend } from '../../../models/kimi/backend.ts';
import { parseExecutionProvider } from '../../../models/kimi/runtime/providers.ts';
import { startModelServer } from '../../../models/serve/openai-server.ts';

const USAGE = 'usage: deskpilot serve-model <package-dir> [--port 8000] [--host 127.0.0.1] [--name NAME] [--provider auto|cpu|cuda|dml|coreml|webgpu] [--max-queue 8]';

function intOption(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      name: { type: 'string' },
      provider: { type: 'string' },
      'max-queue': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }, USAGE);
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const dir = resolve(positionals[0]);
  if (!existsSync(`${dir}/manifest.json`)) {
    throw new UsageError(`${dir} is not a model package (no manifest.json); make one with deskpilot model convert or deskpilot model pull`);
  }
  const host = values.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    process.stderr.write(`warning: serving on ${host} makes the model reachable from other machines; there is no authentication\n`);
  }
  let provider;
  try {
    provider = values.provider === undefined ? undefined : parseExecutionProvider(values.provider);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  process.stderr.write(`loading ${dir} ...\n`);
  const backend = await openKimiBackend(dir, { provider });
  const modelName = values.name ?? basename(dir);
  const server = await startModelServer({
    backend,
    modelName,
    host,
    port: intOption(values.port, 'port', 8000, 0),
    maxQueue: intOption(values['max-queue'], 'max-queue', 8, 0),
    log: (line) => process.stderr.write(line + '\n'),
  });
  process.stdout.write(`serving ${modelName} at ${server.url} (OpenAI-compatible; use --model openai:${server.url}#${modelName})\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await backend.dispose();
  return 0;
}
