/** `openai:<base-url>#<model>`: an OpenAI-compatible server (vLLM, SGLang, llama.cpp, deskpilot serve-model). */
import type { ModelFamily } from '../types.ts';

export const OPENAI_SPEC_PREFIX = 'openai:';

export interface OpenAiSpec {
  baseURL: string;
  model: string;
}

export function parseOpenAiSpec(spec: string): OpenAiSpec {
  const body = spec.startsWith(OPENAI_SPEC_PREFIX) ? spec.slice(OPENAI_SPEC_PREFIX.length) : spec;
  const hash = body.lastIndexOf('#');
  const baseURL = hash >= 0 ? body.slice(0, hash) : body;
  const model = hash >= 0 ? body.slice(hash + 1) : '';
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new Error(`bad model spec "${spec}": expected openai:<base-url>#<model>, e.g. openai:http://127.0.0.1:8000/v1#moonshotai/Kimi-VL-A3B-Instruct`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`bad model spec "${spec}": the base URL must be http(s)`);
  if (model === '') throw new Error(`bad model spec "${spec}": name the served model after #, e.g. ${OPENAI_SPEC_PREFIX}${baseURL}#moonshotai/Kimi-VL-A3B-Instruct`);
  return { baseURL: baseURL.replace(/\/+$/, ''), model };
}

/** The reply format a served model most likely speaks, from its name; an explicit option wins. */
export function guessFamily(model: string): ModelFamily {
  if (/kimi|opencua/i.test(model)) return 'kimi';
  if (/ui-?tars/i.test(model)) return 'uitars';
  return 'pyautogui';
}
