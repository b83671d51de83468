/**
 * Where a package's graphs run: for each graph, how many nodes onnxruntime places on each execution
 * provider. On a GPU provider, nodes left on the CPU mean copies between devices on every call;
 * the op types say which (control flow such as If is what GPU providers most often leave behind).
 */
import { join } from 'node:path';
import { readManifest } from '../../models/kimi/manifest.ts';
import { nodePlacement } from '../../models/kimi/runtime/node-placement.ts';
import { chooseExecutionProvider, type ExecutionProviderRequest } from '../../models/kimi/runtime/providers.ts';
import type { CheckResult } from './report.ts';

export async function checkPlacement(dir: string, request: ExecutionProviderRequest): Promise<CheckResult[]> {
  const manifest = readManifest(dir);
  const choice = await chooseExecutionProvider(request);
  const graphs = [manifest.decoder.file, ...(manifest.vision ? [manifest.vision.file] : [])];
  return graphs.map((file) => {
    const shares = nodePlacement(join(dir, file), choice.provider);
    const total = shares.reduce((n, s) => n + s.nodes, 0);
    const where = shares.map((s) => `${s.nodes} on ${s.provider}`).join(', ');
    const onCpu = choice.provider === 'cpu' ? undefined : shares.find((s) => s.provider === 'CPUExecutionProvider');
    const name = `placement ${file}`;
    if (choice.note) return { name, status: 'warn', detail: `${total} nodes: ${where}`, fix: choice.note };
    if (!onCpu) return { name, status: 'ok', detail: `${total} nodes: ${where}` };
    const ops = Object.entries(onCpu.opTypes)
      .sort((a, b) => b[1] - a[1])
      .map(([op, n]) => `${op} x${n}`)
      .join(', ');
    return {
      name,
      status: 'warn',
      detail: `${total} nodes: ${where}${ops ? `; on the CPU: ${ops}` : ''}`,
      fix: manifest.decoder.moe === 'per-expert' && file === manifest.decoder.file ? 'convert with --moe dense for a GPU: its routed experts use only standard ops' : 'nodes on the CPU copy data between devices on every call',
    };
  });
}
