/**
 * Model spec strings pick a backend: kimi-vl:<package-dir>, openai:<base-url>#<model>,
 * replay:<trace-dir>, script:<file-or-dir>.
 */
import { BackendInputError } from './errors.ts';

export type ModelSpec =
  | { kind: 'kimi-vl'; dir: string }
  | { kind: 'openai'; baseUrl: string; model: string }
  | { kind: 'replay'; traceDir: string }
  | { kind: 'script'; path: string };

const FORMS = 'kimi-vl:<package-dir>, openai:<base-url>#<model>, replay:<trace-dir>, script:<file.json or dir>';

export function parseModelSpec(spec: string): ModelSpec {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? '' : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  const need = (what: string) => {
    if (rest.trim() === '') throw new BackendInputError(`model spec "${spec}" is missing the ${what} after "${kind}:"`);
  };
  switch (kind) {
    case 'kimi-vl':
      need('package folder');
      return { kind, dir: rest };
    case 'replay':
      need('trace folder');
      return { kind, traceDir: rest };
    case 'script':
      need('script file or folder');
      return { kind, path: rest };
    case 'openai': {
      // The model name goes after the last '#': a URL fragment is never needed for an API base URL.
      const hash = rest.lastIndexOf('#');
      const baseUrl = hash < 0 ? rest : rest.slice(0, hash);
      const model = hash < 0 ? '' : rest.slice(hash + 1);
      if (!/^https?:\/\/[^\s]+$/.test(baseUrl)) {
        throw new BackendInputError(`model spec "${spec}": "${baseUrl}" is not an http(s) base URL (e.g. openai:http://127.0.0.1:8000/v1#kimi-vl)`);
      }
      if (model === '') throw new BackendInputError(`model spec "${spec}" is missing the model name: write openai:${baseUrl}#<model>`);
      return { kind, baseUrl, model };
    }
    default:
      throw new BackendInputError(`model spec "${spec}" is not understood; use one of ${FORMS}`);
  }
}
