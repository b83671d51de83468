/** Which onnxruntime execution providers this build has, and which of them actually load here. */
import { compiledExecutionProviders } from '../../models/kimi/runtime/providers.ts';
import type { CheckResult } from './report.ts';

export function checkProviders(): CheckResult {
  const compiled = compiledExecutionProviders();
  const gpu = compiled.filter((p) => p !== 'cpu');
  return {
    name: 'onnxruntime',
    status: 'ok',
    detail: `execution providers in this build: ${compiled.join(', ')}${gpu.length === 0 ? ' (CPU only)' : ''}`,
  };
}
