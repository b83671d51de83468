import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KimiTokenizer, encodePieces } from '../../models/kimi/tokenizer.ts';
import { KIMI_TOKENIZER_DIR } from '../support/shared-data.ts';

const MODEL_FILE = join(KIMI_TOKENIZER_DIR, 'tiktoken.model');
const CONFIG_FILE = join(KIMI_TOKENIZER_DIR, 'tokenizer_config.k2.json');

let tok: KimiTokenizer;
beforeAll(() => {
  tok = KimiTokenizer.fromFiles(MODEL_FILE, CONFIG_FILE);
});
afterAll(() => tok?.dispose());

describe('Kimi tokenizer: published encodings (SOURCE.txt)', () => {
  const published: [string, number[]][] = [
    ['Hello world', [19180, 2695]],
    ['Hello, world!', [19180, 11, 2695, 0]],
    ['你好世界', [33845, 2243]],
    ['1234567890', [6694, 12972, 16242, 15]],
    ['中文English混合', [16717, 44372, 13935]],
    ['Hello, world! 你好，世界！', [19180, 11, 2695, 0, 220, 33845, 378, 2243, 856]],
  ];
  for (const [text, ids] of published) {
    it(`encodes ${JSON.stringify(text)} like the reference engine and decodes it back`, () => {
      expect(tok.encode(text)).toEqual(ids);
      expect(tok.decode(ids)).toBe(text);
    });
  }
});

describe('Kimi tokenizer: special tokens', () => {
  it('has 163,584 ranks and 256 special ids with the documented names', () => {
    expect(tok.numBaseTokens).toBe(163584);
    expect(tok.vocabSize).toBe(163840);
    const expected: Record<string, number> = {
      '[BOS]': 163584,
      '[EOS]': 163585,
      '<|im_end|>': 163586,
      '<|im_user|>': 163587,
      '<|im_assistant|>': 163588,
      '<|im_system|>': 163594,
      '<|im_middle|>': 163601,
      '<|media_start|>': 163602,
      '<|media_content|>': 163603,
      '<|media_end|>': 163604,
      '<|media_pad|>': 163605,
      '[PAD]': 163839,
    };
    for (const [name, id] of Object.entries(expected)) expect(tok.specialId(name), name).toBe(id);
    expect(tok.specialTokens.get('<|reserved_token_163600|>')).toBe(163600);
    expect(tok.stopIds).toEqual([163586, 163585]);
  });

  it('turns special-token strings into single ids, or into plain text when asked', () => {
    const text = '<|im_user|>user<|im_middle|><|media_start|>image<|media_content|><|media_pad|><|media_end|>Hi<|im_end|>';
    const ids = tok.encode(text);
    expect(ids.filter((id) => tok.isSpecial(id))).toEqual([163587, 163601, 163602, 163603, 163605, 163604, 163586]);
    expect(tok.decode(ids)).toBe(text);
    const plain = tok.encode('<|im_end|>', { specials: 'none' });
    expect(plain.some((id) => tok.isSpecial(id))).toBe(false);
    expect(tok.decode(plain)).toBe('<|im_end|>');
  });

  it('rejects ids outside the vocabulary with the valid range in the message', () => {
    expect(() => tok.decode([163840])).toThrow(/\[0, 163840\)/);
    expect(() => tok.decode([-1])).toThrow(/outside the vocabulary/);
  });
});

describe('Kimi tokenizer: round trip and streaming', () => {
  it('decode(encode(s)) === s for arbitrary Unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(tok.decode(tok.encode(s, { specials: 'none' }))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('streams partial UTF-8: no delta carries a broken character and the deltas add up to the text', () => {
    const text = 'Wait, 𠜎𠜱 🦜 ok';
    const ids = tok.encode(text);
    // The case matters only if some token is not valid UTF-8 on its own.
    expect(ids.some((id) => tok.decode([id]).includes('\uFFFD'))).toBe(true);
    const stream = tok.streamDecoder();
    const deltas = ids.map((id) => stream.push(id));
    deltas.push(stream.flush());
    for (const d of deltas) expect(d).not.toContain('\uFFFD');
    expect(deltas.join('')).toBe(text);
    // The first delta holding the bird is emitted only once all four bytes arrived.
    expect(deltas.find((d) => d.includes('🦜'))).toMatch(/🦜/);
  });

  it('streams arbitrary Unicode text back exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        const stream = tok.streamDecoder();
        let out = '';
        for (const id of tok.encode(s, { specials: 'none' })) out += stream.push(id);
        out += stream.flush();
        expect(out).toBe(s);
      }),
      { numRuns: 200 },
    );
  });

  it('flushes a cut-off character as U+FFFD', () => {
    const ids = tok.encode('🦜');
    const stream = tok.streamDecoder();
    let out = '';
    for (const id of ids.slice(0, -1)) out += stream.push(id);
    expect(out).toBe('');
    expect(stream.flush()).toBe('\uFFFD');
  });
});

describe('Kimi tokenizer: long inputs are cut like the reference tokenizer', () => {
  it('cuts runs of whitespace or non-whitespace longer than the limit, and chunks long texts', () => {
    expect(encodePieces('short text')).toEqual(['short text']);
    // Runs longer than 4: 'aaaaaa' -> 'aaaa' | 'aa ...'; '      ' (6 spaces) likewise.
    expect(encodePieces('aaaaaa      b', 4, 100)).toEqual(['aaaa', 'aa    ', '  b']);
    // Code points, not UTF-16 units: an astral character is never split.
    expect(encodePieces('🦜🦜🦜', 2, 100)).toEqual(['🦜🦜', '🦜']);
    expect(encodePieces('ab cd ef', 100, 3)).toEqual(['ab ', 'cd ', 'ef']);
    // Pieces always add up to the input.
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => encodePieces(s, 3, 7).join('') === s));
  });
});

describe('Kimi tokenizer: bad files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'k2-tok-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file and line of a malformed rank', () => {
    const bad = join(dir, 'tiktoken.model');
    writeFileSync(bad, 'IQ== 0\nIg== 5\n');
    expect(() => KimiTokenizer.fromFiles(bad, CONFIG_FILE)).toThrow(/tiktoken\.model: line 2 has rank 5, expected 1/);
  });

  it('refuses a config whose media id is taken by another token', () => {
    const config = JSON.parse(readFileSync(CONFIG_FILE, 'utf8'));
    config.added_tokens_decoder['163605'] = { content: '<|other|>' };
    const file = join(dir, 'tokenizer_config.json');
    writeFileSync(file, JSON.stringify(config));
    expect(() => KimiTokenizer.fromStrings(readFileSync(MODEL_FILE, 'utf8'), readFileSync(file, 'utf8'), { modelFile: 'm', configFile: file })).toThrow(
      /id 163605 is "<\|other\|>" but Kimi-VL needs it for <\|media_pad\|>/,
    );
  });
});
