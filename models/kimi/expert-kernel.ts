/**
 * Which onnxruntime kernel path runs a package's routed experts, and switching it on.
 *
 * Packages converted with moe 'fused' and int4 use QMoE. Its CPU kernel has two paths, fixed when
 * the kernel is built at session creation by the environment variable ORT_USE_MLAS_Q4_GEMM_MOE: by
 * default it dequantizes each chosen expert to float on every call; with "1" it prepacks all
 * experts once for MLAS's 4-bit GEMM.
 * At the real widths (hidden 2048, experts of 1408, top-6) the MLAS path measured 8x (block 64) to
 * 100x (block 128) faster with the same outputs to 1.3e-6 relative. But with onnxruntime 1.30 it
 * can return NaN when an expert matrix row is a single quantization block (K == block size): it did
 * on CPUs with AVX-512 and not on one with AVX2 alone, since MLAS picks its kernels by CPU features.
 * So, on every CPU, it is only chosen when every expert matrix has at least two blocks per row, for
 * the block sizes MLAS packs (32, 64, 128). A value the user set in the environment is left alone
 * and wins.
 */
import type { KimiManifest } from './manifest.ts';

export const MLAS_Q4_MOE_ENV = 'ORT_USE_MLAS_Q4_GEMM_MOE';

/**
 * 'per-expert': one If branch per expert (the int4/fp16 default); 'mlas-q4' / 'dequantize': the two
 * QMoE paths; 'float': the fp32 MoE kernel; 'dense': standard ops over all experts.
 */
export type ExpertKernel = 'per-expert' | 'mlas-q4' | 'dequantize' | 'float' | 'dense';

const MLAS_BLOCK_SIZES = new Set([32, 64, 128]);

/** The path this package's experts take in this process. */
export function expertKernelFor(m: KimiManifest): ExpertKernel {
  if (m.decoder.moe !== 'fused') return m.decoder.moe;
  if (m.dtype !== 'int4') return 'float';
  const userChoice = process.env[MLAS_Q4_MOE_ENV];
  if (userChoice !== undefined) return /^(1|true)$/i.test(userChoice.trim()) ? 'mlas-q4' : 'dequantize';
  const bs = m.blockSize ?? 0;
  const { hiddenSize, moeIntermediateSize } = m.config.text;
  const twoBlocksPerRow = hiddenSize >= 2 * bs && moeIntermediateSize >= 2 * bs;
  return MLAS_BLOCK_SIZES.has(bs) && twoBlocksPerRow ? 'mlas-q4' : 'dequantize';
}

/**
 * Runs `create` (which builds the onnxruntime session) with the environment variable set for
 * `kernel`, then restores it. It must be the real process environment: in a worker_thread that
 * means a Worker started with env: SHARE_ENV (runtime/worker-host.ts does). Two sessions created at the
 * same moment in one process could see each other's value; the app opens one model at a time.
 */
export async function withExpertKernel<T>(kernel: ExpertKernel, create: () => Promise<T>): Promise<T> {
  if (process.env[MLAS_Q4_MOE_ENV] !== undefined || (kernel !== 'mlas-q4' && kernel !== 'dequantize')) return create();
  // Explicit both ways: a later onnxruntime may default to the MLAS path.
  process.env[MLAS_Q4_MOE_ENV] = kernel === 'mlas-q4' ? '1' : '0';
  try {
    return await create();
  } finally {
    delete process.env[MLAS_Q4_MOE_ENV];
  }
}
