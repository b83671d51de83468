/**
 * Execution provider choice. Input: what the user asked for (cpu | cuda | dml | coreml | webgpu | auto);
 * output: onnxruntime session options plus a plain-language note when the choice could not be honoured.
 * Two checks: the provider must be compiled into this onnxruntime-node build (listSupportedBackends),
 * and a session must actually open with it (CUDA needs its libraries, WebGPU an adapter). Either
 * failing falls back to CPU, and the note says why and what to do.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../onnx/builder.ts';

export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];
export type ExecutionProviderRequest = ExecutionProviderName | 'auto';

/** Preference order for 'auto': the first that opens wins. */
const AUTO_ORDER: ExecutionProviderName[] = ['cuda', 'dml', 'coreml', 'cpu'];

const HOW_TO_ENABLE: Record<ExecutionProviderName, string> = {
  cpu: '',
  cuda: 'install the CUDA 12 runtime and cuDNN 9 libraries and reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL_CUDA=v12',
  dml: 'DirectML is only in the Windows build of onnxruntime-node',
  coreml: 'CoreML is only in the macOS build of onnxruntime-node',
  webgpu: 'WebGPU needs a GPU adapter visible to this process',
};

export function parseExecutionProvider(value: string): ExecutionProviderRequest {
  const v = value.toLowerCase();
  if (v === 'auto' || (EXECUTION_PROVIDERS as readonly string[]).includes(v)) return v as ExecutionProviderRequest;
  throw new RangeError(`unknown execution provider "${value}": use one of auto, ${EXECUTION_PROVIDERS.join(', ')}`);
}

/** Providers compiled into the installed onnxruntime-node (whether or not their libraries load). */
export function compiledExecutionProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

/**
 * Whether the CUDA provider's shared library sits beside the onnxruntime binding. Checking first keeps
 * onnxruntime from logging a load failure on every CPU-only machine; undefined when it cannot tell.
 */
function cudaLibraryPresent(): boolean | undefined {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const bin = join(root, 'bin');
    for (const napi of readdirSync(bin)) {
      const dir = join(bin, napi, process.platform, process.arch);
      if (!existsSync(dir)) continue;
      return readdirSync(dir).some((f) => f.startsWith('libonnxruntime_providers_cuda') || f === 'onnxruntime_providers_cuda.dll');
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export interface ProviderChoice {
  requested: ExecutionProviderRequest;
  /** The provider sessions will run on. */
  provider: ExecutionProviderName;
  /** Set when `provider` differs from what was asked for (or auto settled below its first choice). */
  note?: string;
  /** Why earlier candidates were skipped (also for 'auto' settling on CPU quietly). */
  skipped?: string;
}

function sessionOptionsFor(provider: ExecutionProviderName): ort.InferenceSession.SessionOptions {
  return { executionProviders: [provider], graphOptimizationLevel: 'all' };
}

/** A one-node graph (y = Relu(x)), enough to make a provider initialise. */
function probeModel(): Uint8Array {
  const b = new GraphBuilder('probe');
  const x = b.input('x', 'float32', [1]);
  b.output(b.op('Relu', [x]), 'float32', [1], 'y');
  return b.save();
}

/**
 * Opens `model` (a path, or the built-in probe graph) on the requested provider, falling back to CPU.
 * The returned choice carries a note whenever the request was not honoured.
 */
export async function openSessionWithFallback(
  model: string | Uint8Array,
  request: ExecutionProviderRequest,
  extra: ort.InferenceSession.SessionOptions = {},
): Promise<{ session: ort.InferenceSession; choice: ProviderChoice }> {
  const compiled = compiledExecutionProviders();
  const candidates = request === 'auto' ? AUTO_ORDER : [request];
  const reasons: string[] = [];
  const create = (provider: ExecutionProviderName) =>
    typeof model === 'string'
      ? ort.InferenceSession.create(model, { ...sessionOptionsFor(provider), ...extra })
      : ort.InferenceSession.create(model, { ...sessionOptionsFor(provider), ...extra });
  for (const provider of candidates) {
    if (provider !== 'cpu' && !compiled.includes(provider)) {
      reasons.push(`${provider} is not in this onnxruntime-node build (it has: ${compiled.join(', ')}); ${HOW_TO_ENABLE[provider]}`);
      continue;
    }
    if (provider === 'cuda' && cudaLibraryPresent() === false) {
      reasons.push(`cuda is not installed (no CUDA provider library beside the onnxruntime binding); ${HOW_TO_ENABLE.cuda}`);
      continue;
    }
    try {
      const session = await create(provider);
      return { session, choice: { requested: request, provider, note: noteFor(request, provider, reasons), ...skippedOf(reasons) } };
    } catch (error) {
      if (provider === 'cpu') throw error;
      const first = String((error as Error).message ?? error).split('\n')[0].slice(0, 300);
      reasons.push(`${provider} failed to start (${first}); ${HOW_TO_ENABLE[provider]}`);
    }
  }
  const session = await create('cpu');
  return { session, choice: { requested: request, provider: 'cpu', note: noteFor(request, 'cpu', reasons), ...skippedOf(reasons) } };
}

/** Settles the provider with the tiny probe graph, so big graphs are loaded once, on the right provider. */
export async function chooseExecutionProvider(request: ExecutionProviderRequest): Promise<ProviderChoice> {
  const { session, choice } = await openSessionWithFallback(probeModel(), request);
  await session.release();
  return choice;
}

function skippedOf(reasons: string[]): { skipped?: string } {
  return reasons.length > 0 ? { skipped: reasons.join('; ') } : {};
}

function noteFor(request: ExecutionProviderRequest, provider: ExecutionProviderName, reasons: string[]): string | undefined {
  if (reasons.length === 0) return undefined;
  // 'auto' landing on CPU on a machine without GPU providers is the expected case, not news.
  if (request === 'auto') return provider === 'cpu' ? undefined : `execution provider: using ${provider} (${reasons.join('; ')})`;
  return `execution provider: ${reasons.join('; ')}; falling back to ${provider}`;
}
