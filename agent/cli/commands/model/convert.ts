/**
 * deskpilot model convert <hf-dir> <out-dir> [--dtype fp32|fp16|int4] [--block-size N] [--moe MODE] [--text-only]
 * Converts a Hugging Face Kimi-VL checkpoint into a runtime package (models/kimi/convert/).
 * Exit 0 on success, 2 on bad usage or a checkpoint/config the converter refuses.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../../models/kimi/config.ts';
import { convertKimiVl } from '../../../../models/kimi/convert/convert.ts';
import type { MoeMode } from '../../../../models/kimi/convert/decoder-graph.ts';
import type { WeightDtype } from '../../../../models/kimi/convert/quantize-linear.ts';
import { UsageError } from '../../usage.ts';

const USAGE =
  'usage: deskpilot model convert <hf-dir> <out-dir> [--dtype fp32|fp16|int4] [--block-size 16|32|64|128] [--accuracy-level 0|4] [--moe per-expert|fused|dense] [--vision int4] [--text-only]';
const MOE_MODES: readonly MoeMode[] = ['per-expert', 'fused', 'dense'];

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `${USAGE}\n  default dtype int4 (4-bit experts/projections in blocks of 64, or 128 with --accuracy-level 4; float norms/router/embeddings)\n` +
        '  --accuracy-level 4: int4 matmuls with int8 activations (faster on CPU, slightly less exact)\n' +
        '  --moe: how routed experts run; per-expert (default for int4/fp16: only chosen experts, least memory), fused\n' +
        '    (onnxruntime MoE/QMoE kernels; default for fp32), dense (all experts, standard ops only)\n' +
        '  --vision int4: the vision encoder blocks as 4-bit weights with int8 activations (faster, image features less exact;\n' +
        '    default: 16-bit weights in int4 packages, float compute)\n' +
        '  --text-only: skip the vision tower\n',
    );
    return 0;
  }
  const positional: string[] = [];
  let dtype: WeightDtype = 'int4';
  let blockSize: number | undefined;
  let textOnly = false;
  let accuracyLevel = 0;
  let moe: MoeMode | undefined;
  let visionInt4 = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dtype') {
      const v = argv[++i];
      if (v !== 'fp32' && v !== 'fp16' && v !== 'int4') throw new UsageError(`--dtype must be fp32, fp16 or int4 (got ${JSON.stringify(v)})`);
      dtype = v;
    } else if (a === '--block-size') {
      const v = Number(argv[++i]);
      if (![16, 32, 64, 128].includes(v)) throw new UsageError(`--block-size must be 16, 32, 64 or 128 (got ${JSON.stringify(argv[i])})`);
      blockSize = v;
    } else if (a === '--accuracy-level') {
      const v = Number(argv[++i]);
      if (![0, 1, 2, 3, 4].includes(v)) throw new UsageError(`--accuracy-level must be 0..4 (got ${JSON.stringify(argv[i])})`);
      accuracyLevel = v;
    } else if (a === '--moe') {
      const v = argv[++i] as MoeMode;
      if (!MOE_MODES.includes(v)) throw new UsageError(`--moe must be ${MOE_MODES.join(', ')} (got ${JSON.stringify(v)})`);
      moe = v;
    } else if (a === '--vision') {
      const v = argv[++i];
      if (v !== 'int4') throw new UsageError(`--vision must be int4 (got ${JSON.stringify(v)}); leave it out for the 16-bit tower`);
      visionInt4 = true;
    } else if (a === '--text-only') {
      textOnly = true;
    } else if (a.startsWith('-')) {
      throw new UsageError(`unknown option ${a}\n${USAGE}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 2) throw new UsageError(`expected <hf-dir> and <out-dir>\n${USAGE}`);
  if (visionInt4 && textOnly) throw new UsageError('--vision int4 and --text-only contradict each other: a text-only package has no vision tower; drop one');
  const [hfDir, outDir] = positional;
  if (!existsSync(join(hfDir, 'config.json'))) {
    throw new UsageError(`${hfDir} has no config.json; give the folder of a Hugging Face Kimi-VL checkpoint`);
  }
  const started = Date.now();
  try {
    const m = await convertKimiVl(hfDir, outDir, {
      dtype,
      blockSize,
      accuracyLevel,
      moe,
      visionInt4,
      skipVision: textOnly,
      onProgress: (msg) => process.stderr.write(`[convert ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`),
    });
    const total = Object.values(m.files).reduce((a, f) => a + f.size, 0);
    process.stdout.write(`${outDir}: ${m.dtype} package, ${Object.keys(m.files).length} files, ${(total / 2 ** 20).toFixed(1)} MiB\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}
