/**
 * deskpilot model forward <pkg> [--image F]... (--prompt TEXT | --prompt-ids ids.json) [--greedy N]
 *   --dump out.safetensors
 * One forward pass for checking a package against another implementation. --prompt renders one user
 * turn (the images, then TEXT) through the package's chat template with the assistant header;
 * --prompt-ids takes a JSON array of token ids with ONE media placeholder id per image, expanded to
 * that image's token count. The dump holds float32 pixel_values [L,3,14,14], int64 image_grid_hws
 * [n,2], float32 image_features [image tokens, hidden] (these three only when images are given),
 * float32 logits [prompt length, vocab] for every prompt position, and int64 greedy_tokens [N] from
 * KV-cached greedy decoding after the prompt (with --greedy N).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseCommandLine, UsageError } from '../../usage.ts';
import { imageParts } from '../ask.ts';
import type { RgbImage } from '../../../../models/image.ts';
import { encodeSafetensors, type StTensor } from '../../../../models/safetensors/writer.ts';

const USAGE = `usage: deskpilot model forward <package-dir> [--image FILE]... (--prompt TEXT | --prompt-ids ids.json) [--greedy N] --dump out.safetensors [--provider EP]`;

function bytes(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function readPromptIds(file: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--prompt-ids ${file}: cannot read it as JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new UsageError(`--prompt-ids ${file}: expected a non-empty JSON array of token ids (non-negative integers)`);
  }
  return parsed as number[];
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(
    {
    args: argv,
    allowPositionals: true,
    options: {
      image: { type: 'string', multiple: true },
      prompt: { type: 'string' },
      'prompt-ids': { type: 'string' },
      greedy: { type: 'string' },
      dump: { type: 'string' },
      provider: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    },
    USAGE,
  );
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const [packageDir, ...rest] = parsed.positionals;
  if (!packageDir || rest.length > 0) throw new UsageError(`expected one package directory\n${USAGE}`);
  if ((v.prompt === undefined) === (v['prompt-ids'] === undefined)) throw new UsageError(`give exactly one of --prompt and --prompt-ids\n${USAGE}`);
  if (!v.dump) throw new UsageError(`--dump out.safetensors is required\n${USAGE}`);
  const greedy = v.greedy === undefined ? 0 : Number(v.greedy);
  if (!Number.isInteger(greedy) || greedy < 0) throw new UsageError(`--greedy expects a token count >= 0, got "${v.greedy}"`);
  const images = (await imageParts(v.image ?? [])).map((p) => (p as { image: RgbImage }).image);
  const promptIds = v['prompt-ids'] !== undefined ? readPromptIds(v['prompt-ids']) : undefined;

  const { forwardPass } = await import('../../../../models/kimi/runtime/forward.ts');
  const { parseExecutionProvider } = await import('../../../../models/kimi/runtime/providers.ts');
  let result;
  try {
    result = await forwardPass(packageDir, {
      images,
      prompt: v.prompt,
      promptIds,
      greedyTokens: greedy,
      provider: parseExecutionProvider(v.provider ?? 'auto'),
      onNote: (note) => process.stderr.write(`${note}\n`),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  const tensors: StTensor[] = [];
  if (result.vision) {
    const L = result.vision.grids.reduce((n, [h, w]) => n + h * w, 0);
    const patch = result.patchSize;
    tensors.push({ name: 'pixel_values', dtype: 'F32', shape: [L, 3, patch, patch], data: bytes(result.vision.pixelValues) });
    tensors.push({ name: 'image_grid_hws', dtype: 'I64', shape: [result.vision.grids.length, 2], data: bytes(BigInt64Array.from(result.vision.grids.flat(), BigInt)) });
    tensors.push({ name: 'image_features', dtype: 'F32', shape: [result.vision.features.length / result.hidden, result.hidden], data: bytes(result.vision.features) });
  }
  tensors.push({ name: 'logits', dtype: 'F32', shape: [result.promptIds.length, result.vocab], data: bytes(result.logits) });
  if (greedy > 0) tensors.push({ name: 'greedy_tokens', dtype: 'I64', shape: [result.greedyTokens.length], data: bytes(BigInt64Array.from(result.greedyTokens, BigInt)) });
  writeFileSync(v.dump, encodeSafetensors(tensors, { format: 'pt', producer: 'deskpilot model forward', prompt_tokens: String(result.promptIds.length) }));
  process.stdout.write(
    `${v.dump}: ${tensors.map((t) => `${t.name} [${t.shape.join(',')}]`).join(', ')}\n` + (greedy > 0 ? `greedy tokens: ${JSON.stringify(result.greedyTokens)}\n` : ''),
  );
  return 0;
}
