/** Decoder timings the benches share: a prompt of spread-out token ids, and decode ms per token after it. */
import type { KimiDecoder } from '../../models/kimi/decoder.ts';
import { argmax } from '../../models/kimi/runtime/sampling.ts';

/** `n` token ids spread over [0, vocab) (a stride prime to any vocabulary size here). */
export const benchIds = (n: number, vocab = 160000): number[] => Array.from({ length: n }, (_, i) => (i * 7919) % vocab);

/**
 * Median ms of one decode step after a prompt of `context` tokens and 16 warm-up steps (the first
 * time an expert's branch runs a decode-sized input costs extra, once per process).
 */
export async function decodeMsPerToken(decoder: KimiDecoder, context: number, steps: number, vocab?: number): Promise<number> {
  decoder.reset();
  let id = argmax(await decoder.prefill({ ids: benchIds(context, vocab) }));
  for (let i = 0; i < 16; i++) id = argmax(await decoder.step(id));
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    id = argmax(await decoder.step(id));
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(steps / 2)];
}
