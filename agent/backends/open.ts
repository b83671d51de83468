/**
 * Opens the VlmBackend a model spec names. The model backends live under models/ and are imported only
 * when used: loading onnxruntime costs seconds that a script or replay run should not pay.
 */
import { stat } from 'node:fs/promises';
import type { VlmBackend } from '../../models/types.ts';
import { BackendInputError, BackendUnavailableError } from './errors.ts';
import { openReplayBackend } from './replay.ts';
import { openScriptBackend } from './script-file.ts';
import { parseModelSpec } from './spec.ts';

export interface OpenBackendOptions {
  /** For script:<dir>: picks <dir>/<taskId>.json. */
  taskId?: string;
  /**
   * For kimi-vl: where the engine runs (auto | cpu | cuda | dml | coreml | webgpu; default auto). The
   * other backends run their model elsewhere and do not use it.
   */
  executionProvider?: string;
}

/** Loads a model backend module; a build without it (or without its native runtime) gets a clear error. */
async function load<T>(what: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    throw new BackendUnavailableError(`the ${what} backend cannot be loaded in this build: ${(error as Error).message}`);
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function openBackend(spec: string, options: OpenBackendOptions = {}): Promise<VlmBackend> {
  const parsed = parseModelSpec(spec);
  switch (parsed.kind) {
    case 'script':
      return openScriptBackend(spec, parsed.path, options.taskId !== undefined ? { taskId: options.taskId } : {});
    case 'replay':
      return openReplayBackend(spec, parsed.traceDir);
    case 'kimi-vl': {
      if (!(await isDirectory(parsed.dir))) {
        throw new BackendInputError(`model spec "${spec}": ${parsed.dir} is not a folder; make a model package with deskpilot model convert (or pull)`);
      }
      const [{ openKimiBackend }, { parseExecutionProvider }] = await Promise.all([
        load('kimi-vl', () => import('../../models/kimi/backend.ts')),
        load('kimi-vl', () => import('../../models/kimi/runtime/providers.ts')),
      ]);
      let provider;
      try {
        provider = parseExecutionProvider(options.executionProvider ?? 'auto');
      } catch (error) {
        throw new BackendInputError(`model spec "${spec}": ${(error as Error).message}`);
      }
      return openKimiBackend(parsed.dir, { provider });
    }
    case 'openai': {
      const { openOpenAiBackend } = await load('openai', () => import('../../models/openai/backend.ts'));
      return openOpenAiBackend(spec);
    }
  }
}
