/**
 * deskpilot tasks validate <index-or-dir> [--json]: loads an OSWorld-style suite and prints, per
 * task, whether this host can run it. Malformed files are listed with their path and field; they
 * never stop the others. Exit code 0 when every file loaded, 1 when some were malformed.
 */
import { loadSuite } from '../../tasks/load.ts';
import { supportVerdict } from '../../tasks/can-run.ts';
import { UsageError } from '../usage.ts';

const USAGE = 'usage: deskpilot tasks validate <index.json | folder> [--json]';

export interface ValidationRow {
  domain?: string;
  id?: string;
  path: string;
  status: 'supported' | 'unsupported' | 'invalid';
  reason?: string;
}

export function validateSuite(source: string): ValidationRow[] {
  const suite = loadSuite(source);
  const rows: ValidationRow[] = suite.tasks.map((t) => {
    const v = supportVerdict(t.task, suite.root);
    return { domain: t.domain, id: t.id, path: t.path, status: v.supported ? 'supported' : 'unsupported', ...(v.supported ? {} : { reason: v.reason }) };
  });
  for (const e of suite.errors) rows.push({ domain: e.domain, id: e.id, path: e.path, status: 'invalid', reason: e.message });
  return rows;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (sub !== 'validate') throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`}\n${USAGE}`);
  const json = rest.includes('--json');
  const positional = rest.filter((a) => a !== '--json');
  const unknown = positional.find((a) => a.startsWith('--'));
  if (unknown) throw new UsageError(`unknown option ${unknown}\n${USAGE}`);
  if (positional.length !== 1) throw new UsageError(`expected one index file or folder\n${USAGE}`);
  const rows = validateSuite(positional[0]);
  if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else {
    for (const r of rows) {
      const name = r.id ? `${r.domain}/${r.id}` : r.path;
      process.stdout.write(`${name}: ${r.status}${r.reason ? `: ${r.reason}` : ''}\n`);
    }
    const count = (s: ValidationRow['status']) => rows.filter((r) => r.status === s).length;
    process.stdout.write(`${rows.length} tasks: ${count('supported')} supported, ${count('unsupported')} unsupported, ${count('invalid')} invalid\n`);
  }
  return rows.some((r) => r.status === 'invalid') ? 1 : 0;
}
