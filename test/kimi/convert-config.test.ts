/** config.json validation: the real Kimi-VL-A3B config parses to the documented values; unsupported configs are refused by field. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, isMoeLayer, parseKimiConfig, readKimiConfig } from '../../models/kimi/config.ts';
import { SHARED_DATA, tinyConfig } from './fixtures/tiny-checkpoint.ts';

const realPath = join(SHARED_DATA, 'config.json');

describe('Kimi-VL config', () => {
  it.skipIf(!existsSync(realPath))('reads the real Instruct config.json', () => {
    const c = readKimiConfig(realPath);
    expect(c.text).toMatchObject({
      vocabSize: 163840,
      hiddenSize: 2048,
      numLayers: 27,
      numHeads: 16,
      kvLoraRank: 512,
      qkNopeHeadDim: 128,
      qkRopeHeadDim: 64,
      vHeadDim: 128,
      nRoutedExperts: 64,
      numExpertsPerTok: 6,
      nSharedExperts: 2,
      moeIntermediateSize: 1408,
      intermediateSize: 11264,
      firstKDenseReplace: 1,
      normTopkProb: true,
      routedScalingFactor: 2.446,
      rmsNormEps: 1e-5,
      kvNormEps: 1e-6,
      ropeTheta: 800000,
    });
    expect(c.vision).toMatchObject({ patchSize: 14, hiddenSize: 1152, numHeads: 16, numLayers: 27, intermediateSize: 4304, posEmbHeight: 64, mergeKernel: [2, 2] });
    expect(c.mediaPlaceholderTokenId).toBe(163605);
    expect(isMoeLayer(c.text, 0)).toBe(false);
    expect(isMoeLayer(c.text, 1)).toBe(true);
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['group-limited routing', { n_group: 8 }, /text_config\.n_group = 8 is not supported \(supported: 1\)/],
    ['softmax scoring', { scoring_func: 'softmax' }, /text_config\.scoring_func = "softmax" is not supported/],
    ['rope scaling', { rope_scaling: { type: 'yarn', factor: 4 } }, /text_config\.rope_scaling = .* is not supported/],
    ['more experts per token than experts', { num_experts_per_tok: 9 }, /num_experts_per_tok = 9 exceeds n_routed_experts = 8/],
    ['a missing field', { kv_lora_rank: undefined }, /text_config\.kv_lora_rank must be an integer, got undefined/],
    ['a string where a number belongs', { hidden_size: '2048' }, /text_config\.hidden_size must be an integer, got "2048"/],
    ['an odd RoPE dim', { qk_rope_head_dim: 7 }, /qk_rope_head_dim = 7 must be even/],
  ];
  for (const [what, override, message] of refusals) {
    it(`refuses ${what}, naming the field and value`, () => {
      const cfg = tinyConfig({ textOverrides: override });
      expect(() => parseKimiConfig(cfg, '/x/config.json')).toThrow(ConfigError);
      expect(() => parseKimiConfig(cfg, '/x/config.json')).toThrow(message);
    });
  }

  it('refuses a config that is not Kimi-VL', () => {
    expect(() => parseKimiConfig({ ...tinyConfig(), model_type: 'qwen2_vl' }, 'c.json')).toThrow(/c.json: model_type = "qwen2_vl" is not supported/);
    expect(() => parseKimiConfig({ model_type: 'kimi_vl' }, 'c.json')).toThrow(/"text_config" must be an object/);
  });

  it('names unreadable files', () => {
    expect(() => readKimiConfig('/nonexistent/config.json')).toThrow(/\/nonexistent\/config.json: cannot read/);
  });
});
