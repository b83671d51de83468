/**
 * Which execution provider onnxruntime assigns a graph's nodes to. onnxruntime says so only in its
 * verbose session log, which it writes to the process's stderr, so the session is opened in a
 * child process and that log is read. Input: an .onnx path and a provider; output: node counts per
 * provider (subgraphs of If branches included) and, where nodes fell to the CPU beside a GPU
 * provider, their op types: the copies between devices such nodes cause are what a GPU run pays for.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { ExecutionProviderName } from './providers.ts';

export interface ProviderShare {
  /** onnxruntime's name, e.g. CPUExecutionProvider. */
  provider: string;
  nodes: number;
  /** Op type -> count, where the log listed the nodes (it does when a graph is split between providers). */
  opTypes: Record<string, number>;
}

const ORT_ENTRY = createRequire(import.meta.url).resolve('onnxruntime-node');

/** The child: opens the session with verbose logging and closes it. */
const CHILD = `
const ort = require(process.argv[1]);
ort.InferenceSession.create(process.argv[2], { executionProviders: [process.argv[3]], logSeverityLevel: 0, logVerbosityLevel: 0, graphOptimizationLevel: 'all' })
  .then((s) => s.release())
  .catch((e) => { process.stderr.write('\\nPLACEMENT-ERROR ' + String(e && e.message || e).split('\\n')[0] + '\\n'); process.exit(3); });
`;

export function nodePlacement(onnxPath: string, provider: ExecutionProviderName): ProviderShare[] {
  const child = spawnSync(process.execPath, ['-e', CHILD, ORT_ENTRY, onnxPath, provider], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const log = `${child.stdout}\n${child.stderr}`;
  const failed = /PLACEMENT-ERROR (.*)/.exec(log);
  if (child.status !== 0) throw new Error(`cannot open ${onnxPath} on ${provider}: ${failed?.[1] ?? `exit ${child.status}`}`);
  return parsePlacementLog(log);
}

const LOG_SOURCE = 'VerifyEachNodeIsAssignedToAnEp]';

/** Sums the "placed on [X]. Number of nodes: N" lines of a verbose onnxruntime log, with listed op types. */
export function parsePlacementLog(log: string): ProviderShare[] {
  const shares = new Map<string, ProviderShare>();
  let current: ProviderShare | undefined;
  for (const line of log.split('\n')) {
    // Each line carries the logger's prefix, "... VerifyEachNodeIsAssignedToAnEp]", then the text.
    const text = line.includes(LOG_SOURCE) ? line.slice(line.indexOf(LOG_SOURCE) + LOG_SOURCE.length) : line;
    const head = /(?:All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(text);
    if (head) {
      current = shares.get(head[1]) ?? { provider: head[1], nodes: 0, opTypes: {} };
      current.nodes += Number(head[2]);
      shares.set(head[1], current);
      continue;
    }
    const op = /^\s{2,}(\w+) \(.*\)\s*$/.exec(text);
    if (op && current) current.opTypes[op[1]] = (current.opTypes[op[1]] ?? 0) + 1;
    else current = undefined;
  }
  return [...shares.values()].sort((a, b) => b.nodes - a.nodes);
}
