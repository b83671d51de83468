/**
 * deskpilot model convert: the package a user gets (files, manifest, sha256, graphs that load),
 * streaming equivalence of sharded and single-file checkpoints, and refusals with exit code 2.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../agent/cli/main.ts';
import { convertKimiVl } from '../../models/kimi/convert/convert.ts';
import { readManifest } from '../../models/kimi/manifest.ts';
import { PackageModel } from '../../models/kimi/runtime/package-model.ts';
import { createRgbImage } from '../../models/image.ts';
import { hasSharedData, writeTinyCheckpoint } from './fixtures/tiny-checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'kimi-convert-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('deskpilot model convert', () => {
  let hf: string;
  let pkg: string;
  let cli: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    hf = writeTinyCheckpoint(join(root, 'hf'), { seed: 2, shards: 3, withTokenizer: hasSharedData() });
    pkg = join(root, 'pkg');
    cli = spawnSync(process.execPath, ['bin/deskpilot.js', 'model', 'convert', hf, pkg, '--dtype', 'fp32'], { encoding: 'utf8', timeout: 60_000 });
  });

  it('exits 0 and writes a package whose manifest lists every file with its true sha256', () => {
    expect(cli.stderr).toContain('done');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/fp32 package, \d+ files/);
    const m = readManifest(pkg);
    expect(m.dtype).toBe('fp32');
    expect(m.source.dir).toBe(hf);
    expect(Object.keys(m.files).sort()).toEqual(
      expect.arrayContaining(['decoder.onnx', 'decoder.onnx.data', 'embed.bin', 'vision.onnx', 'vision.onnx.data', 'preprocessor_config.json']),
    );
    for (const [file, { size, sha256 }] of Object.entries(m.files)) {
      expect(sha(join(pkg, file)), file).toBe(sha256);
      expect(readFileSync(join(pkg, file)).length).toBe(size);
    }
    if (hasSharedData()) {
      expect(m.tokenizer).toEqual({ tiktoken: 'tiktoken.model', config: 'tokenizer_config.json', chatTemplate: 'chat_template.jinja', preprocessor: 'preprocessor_config.json' });
      expect(sha(join(pkg, 'tiktoken.model'))).toBe(sha(join(hf, 'tiktoken.model')));
    }
    expect(m.config.text.hiddenSize).toBe(64);
    expect(m.decoder).toMatchObject({ numLayers: 3, kvWidth: 32 + 8, hidden: 64, vocab: 512 });
    expect(m.embed).toEqual({ file: 'embed.bin', dtype: 'BF16', shape: [512, 64] });
  });

  it('writes graphs onnxruntime loads, with the I/O names the manifest promises', async () => {
    const m = readManifest(pkg);
    for (const g of [m.decoder, m.vision!]) {
      const s = await ort.InferenceSession.create(join(pkg, g.file));
      expect([...s.inputNames].sort()).toEqual([...g.inputs].sort());
      expect([...s.outputNames].sort()).toEqual([...g.outputs].sort());
      await s.release();
    }
  });

  it('gives byte-identical weights from a sharded and a single-file copy of the same checkpoint', async () => {
    const single = writeTinyCheckpoint(join(root, 'hf-single'), { seed: 2, shards: 1 });
    const out = join(root, 'pkg-single');
    await convertKimiVl(single, out, { dtype: 'fp32', skipVision: true });
    expect(sha(join(out, 'decoder.onnx.data'))).toBe(sha(join(pkg, 'decoder.onnx.data')));
    expect(sha(join(out, 'embed.bin'))).toBe(sha(join(pkg, 'embed.bin')));
  });

  it('--accuracy-level 4 --vision int4: blocks of 128 and a 4-bit vision tower whose image features stay near the fp32 ones', async () => {
    const out = join(root, 'pkg-acc4');
    const r = spawnSync(process.execPath, ['bin/deskpilot.js', 'model', 'convert', hf, out, '--accuracy-level', '4', '--vision', 'int4'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain('done');
    const m = readManifest(out);
    expect(m).toMatchObject({ dtype: 'int4', blockSize: 128 });
    expect(m.vision?.blocks).toBe('int4');
    const features = async (dir: string) => {
      const model = await PackageModel.open(dir, { provider: 'cpu', threads: 1 });
      try {
        const image = createRgbImage(56, 42);
        for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37) % 251;
        return (await model.encodeImages([image])).features;
      } finally {
        await model.dispose();
      }
    };
    const [quantized, exact] = [await features(out), await features(pkg)];
    const largest = exact.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    const worst = exact.reduce((a, v, i) => Math.max(a, Math.abs(quantized[i] - v)), 0);
    // 4-bit weights move the features (see vision.test.ts for the bound's reasoning); a wrong layout moves them by more than their size.
    expect(worst / largest).toBeGreaterThan(1e-4);
    expect(worst / largest).toBeLessThan(0.3);
  });

  it('an explicit --block-size wins over the accuracy level\'s default', () => {
    const out = join(root, 'pkg-acc4-64');
    const r = spawnSync(process.execPath, ['bin/deskpilot.js', 'model', 'convert', hf, out, '--accuracy-level', '4', '--block-size', '64', '--text-only'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(readManifest(out).blockSize).toBe(64);
  });

  describe('refusals (exit code 2, message names the problem)', () => {
    async function runCli(args: string[]): Promise<{ code: number; err: string }> {
      let err = '';
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
        err += String(s);
        return true;
      });
      try {
        return { code: await main(['model', 'convert', ...args]), err };
      } finally {
        spy.mockRestore();
      }
    }

    it('an unknown dtype', async () => {
      const r = await runCli([hf, join(root, 'x'), '--dtype', 'int3']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--dtype must be fp32, fp16 or int4 \(got "int3"\)/);
    });

    it('an unknown vision precision', async () => {
      const r = await runCli([hf, join(root, 'x'), '--vision', 'int8']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--vision must be int4 \(got "int8"\)/);
      const both = await runCli([hf, join(root, 'x'), '--vision', 'int4', '--text-only']);
      expect(both.code).toBe(2);
      expect(both.err).toMatch(/--vision int4 and --text-only contradict each other/);
    });

    it('an unknown MoE mode', async () => {
      const r = await runCli([hf, join(root, 'x'), '--moe', 'sparse']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--moe must be per-expert, fused, dense \(got "sparse"\)/);
    });

    it('an output folder equal to the checkpoint folder', async () => {
      const r = await runCli([hf, hf]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/must differ from the checkpoint folder/);
      expect(readFileSync(join(hf, 'config.json'), 'utf8')).toContain('kimi_vl');
    });

    it('a folder without config.json', async () => {
      const r = await runCli([root, join(root, 'x')]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/has no config.json/);
    });

    it('a config this runtime does not implement, naming the field', async () => {
      const bad = writeTinyCheckpoint(join(root, 'hf-qlora'), { seed: 2, textOverrides: { q_lora_rank: 1536 } });
      const r = await runCli([bad, join(root, 'x')]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/text_config\.q_lora_rank = 1536 is not supported/);
    });

    it('a checkpoint whose tensors do not match its config', async () => {
      const bad = writeTinyCheckpoint(join(root, 'hf-shape'), { seed: 2 });
      const cfg = JSON.parse(readFileSync(join(bad, 'config.json'), 'utf8'));
      cfg.text_config.kv_lora_rank = 48;
      writeFileSync(join(bad, 'config.json'), JSON.stringify(cfg));
      const r = await runCli([bad, join(root, 'x'), '--text-only']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/kv_a_proj_with_mqa.weight has shape \[40,64\], config.json implies \[56,64\]/);
    });
  });
});
