/** deskpilot model list [--dir DIR] [--json]: installed model packages with size and dtype. */
import { formatBytes, listPackages, modelsRoot } from '../../../../models/hub/store.ts';
import { parseCommandLine } from '../../usage.ts';

const USAGE = 'usage: deskpilot model list [--dir DIR] [--json]';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine({ args: argv, options: { dir: { type: 'string' }, json: { type: 'boolean' } } }, USAGE);
  const root = values.dir ?? modelsRoot();
  const packages = listPackages(root);
  if (values.json) {
    process.stdout.write(JSON.stringify(packages, null, 2) + '\n');
    return 0;
  }
  if (packages.length === 0) {
    process.stdout.write(`no model packages in ${root} (deskpilot model pull <repo-id> installs one)\n`);
    return 0;
  }
  const rows = packages.map((p) => [p.name, p.dtype, formatBytes(p.bytes), p.problem ?? `${p.source ?? ''}${p.revision ? '@' + p.revision.slice(0, 12) : ''}`]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), ['NAME', 'DTYPE', 'SIZE'][c].length));
  const line = (r: string[]) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join('  ').trimEnd();
  process.stdout.write([line(['NAME', 'DTYPE', 'SIZE', 'SOURCE']), ...rows.map(line)].join('\n') + `\n(${root})\n`);
  return 0;
}
