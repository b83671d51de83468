/**
 * The history options `run` and `bench` share: how many earlier screenshots the model sees, at what
 * scale, and whether the window slides (the trained format) or stays stable for KV prefix reuse.
 * Input: the raw option values; output: HistoryOptions, or a UsageError naming the bad value.
 */
import { HISTORY_MODES, type HistoryMode, type HistoryOptions } from '../prompts/types.ts';
import { UsageError } from './usage.ts';

export const HISTORY_USAGE = `history (the prompt's earlier screenshots; fewer or smaller cost fewer prompt tokens):
  --history-images N  earlier steps shown with their screenshot (default: the model's format, Kimi 3, UI-TARS 5)
  --history-scale S   side scale of those screenshots, 0 < S <= 1 (0.5 = a quarter of the tokens; default 1)
  --history-mode M    sliding (default: always the last N, as trained) | stable (drop all N at once, so
                      each step's prompt extends the last one and the model reuses its KV cache)`;

/** parseArgs option definitions. */
export const HISTORY_OPTIONS = {
  'history-images': { type: 'string' },
  'history-scale': { type: 'string' },
  'history-mode': { type: 'string' },
} as const;

export type HistoryValues = Partial<Record<keyof typeof HISTORY_OPTIONS, string>>;

export function parseHistoryOptions(values: HistoryValues): HistoryOptions {
  const out: HistoryOptions = {};
  const images = values['history-images'];
  if (images !== undefined) {
    const n = Number(images);
    if (images.trim() === '' || !Number.isInteger(n) || n < 0 || n > 50) throw new UsageError(`--history-images must be a whole number from 0 to 50 (got "${images}")`);
    out.images = n;
  }
  const scale = values['history-scale'];
  if (scale !== undefined) {
    const s = Number(scale);
    if (scale.trim() === '' || !(s > 0 && s <= 1)) throw new UsageError(`--history-scale must be a number above 0 and at most 1, e.g. 0.5 (got "${scale}")`);
    out.scale = s;
  }
  const mode = values['history-mode'];
  if (mode !== undefined) {
    if (!HISTORY_MODES.includes(mode as HistoryMode)) throw new UsageError(`--history-mode must be ${HISTORY_MODES.join(' or ')} (got "${mode}")`);
    out.mode = mode as HistoryMode;
  }
  return out;
}
