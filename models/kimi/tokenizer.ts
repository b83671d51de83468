/**
 * Kimi tokenizer: a tiktoken BPE file plus reserved special ids.
 *
 * Inputs: `tiktoken.model` (lines `base64(token) rank`, ranks 0..N-1) and `tokenizer_config.json`
 * (`added_tokens_decoder` names the special ids). The 256 ids from N upwards are special; those the
 * config does not name are called `<|reserved_token_ID|>`. Kimi-VL's media tokens are added at their
 * documented ids when a config lacks them (Kimi-K2's config does).
 * Outputs: token ids (`encode`), text (`decode`), and a streaming decoder that never emits half a
 * UTF-8 character.
 */
import { readFileSync } from 'node:fs';
import { Tiktoken } from 'tiktoken';

/** Kimi's pre-tokenizer split pattern, unchanged (the Rust regex engine accepts `&&` class intersection). */
export const KIMI_SPLIT_PATTERN = [
  '[\\p{Han}]+',
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
  '\\p{N}{1,3}',
  ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*',
  '\\s*[\\r\\n]+',
  '\\s+(?!\\S)',
  '\\s+',
].join('|');

export const NUM_RESERVED_SPECIAL_TOKENS = 256;

/** The reference tokenizer encodes at most this many characters at a time... */
const MAX_ENCODE_CHARS = 400_000;
/** ...and cuts runs of whitespace or non-whitespace longer than this (BPE time grows with run length). */
const MAX_RUN_CHARS = 25_000;

/** Media tokens Kimi-VL uses; Kimi-K2's tokenizer_config lacks them. */
export const KIMI_VL_MEDIA_TOKENS: Readonly<Record<string, number>> = {
  '<|media_start|>': 163602,
  '<|media_content|>': 163603,
  '<|media_end|>': 163604,
  '<|media_pad|>': 163605,
};

/** Special tokens the runtime relies on; loading refuses a config that lacks one. */
const REQUIRED_SPECIALS = [
  '[EOS]',
  '<|im_end|>',
  '<|im_user|>',
  '<|im_assistant|>',
  '<|im_system|>',
  '<|im_middle|>',
  '<|media_start|>',
  '<|media_content|>',
  '<|media_end|>',
  '<|media_pad|>',
] as const;

export interface EncodeOptions {
  /**
   * 'all' (default, as the reference tokenizer does): special-token strings in the text become their
   * ids. 'none': they are encoded as plain text (use for untrusted text such as screen contents).
   */
  specials?: 'all' | 'none';
}

export class KimiTokenizer {
  /** Number of BPE ranks; special ids start here. */
  readonly numBaseTokens: number;
  /** Base ranks plus the reserved special ids. */
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  private readonly specialById: Map<number, string>;
  private readonly engine: Tiktoken;
  private readonly utf8 = new TextDecoder('utf-8');

  private constructor(bpe: string, numBaseTokens: number, specials: Map<string, number>) {
    this.numBaseTokens = numBaseTokens;
    this.vocabSize = numBaseTokens + NUM_RESERVED_SPECIAL_TOKENS;
    this.specialTokens = specials;
    this.specialById = new Map([...specials].map(([name, id]) => [id, name]));
    this.engine = new Tiktoken(bpe, Object.fromEntries(specials), KIMI_SPLIT_PATTERN);
  }

  /** Loads `tiktoken.model` and `tokenizer_config.json` (paths given separately: names vary). */
  static fromFiles(modelFile: string, configFile: string): KimiTokenizer {
    const bpe = readFileSync(modelFile, 'utf8');
    const configText = readFileSync(configFile, 'utf8');
    return KimiTokenizer.fromStrings(bpe, configText, { modelFile, configFile });
  }

  /** Same as fromFiles, from the files' contents; `names` only label error messages. */
  static fromStrings(
    bpe: string,
    configText: string,
    names: { modelFile: string; configFile: string } = { modelFile: 'tiktoken.model', configFile: 'tokenizer_config.json' },
  ): KimiTokenizer {
    const numBaseTokens = countRanks(bpe, names.modelFile);
    const specials = specialTokensFromConfig(configText, numBaseTokens, names.configFile);
    return new KimiTokenizer(bpe, numBaseTokens, specials);
  }

  /** Id of a special token by name, e.g. '<|im_end|>'; throws for an unknown name. */
  specialId(name: string): number {
    const id = this.specialTokens.get(name);
    if (id === undefined) throw new Error(`tokenizer has no special token ${JSON.stringify(name)}`);
    return id;
  }

  get eosId(): number {
    return this.specialId('[EOS]');
  }
  get imEndId(): number {
    return this.specialId('<|im_end|>');
  }
  get mediaPadId(): number {
    return this.specialId('<|media_pad|>');
  }
  /** Generation stops on any of these: <|im_end|> and [EOS]. */
  get stopIds(): number[] {
    return [this.imEndId, this.eosId];
  }

  isSpecial(id: number): boolean {
    return id >= this.numBaseTokens;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    for (const piece of encodePieces(text)) {
      const ids = options.specials === 'none' ? this.engine.encode_ordinary(piece) : this.engine.encode(piece, 'all');
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** The raw bytes of one token (special tokens give their name's UTF-8 bytes). */
  tokenBytes(id: number): Uint8Array {
    this.checkId(id);
    const special = this.specialById.get(id);
    if (special !== undefined) return new TextEncoder().encode(special);
    if (id >= this.numBaseTokens) return new TextEncoder().encode(`<|reserved_token_${id}|>`);
    return this.engine.decode_single_token_bytes(id);
  }

  /** Text of a token sequence; invalid UTF-8 (a cut-off character) becomes U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.tokenBytes(ids[i]);
      parts.push(bytes);
      total += bytes.length;
    }
    const all = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      all.set(p, offset);
      offset += p.length;
    }
    return this.utf8.decode(all);
  }

  /** A decoder for tokens arriving one at a time (generation). */
  streamDecoder(): TokenStreamDecoder {
    return new TokenStreamDecoder(this);
  }

  /** Frees the WASM engine. The tokenizer is unusable afterwards. */
  dispose(): void {
    this.engine.free();
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    }
  }
}

/**
 * Turns a stream of token ids into text deltas. A character split across tokens is held back until
 * its last byte arrives, so every delta is valid text and the deltas concatenate to decode(all ids).
 */
export class TokenStreamDecoder {
  private readonly utf8 = new TextDecoder('utf-8');
  constructor(private readonly tokenizer: KimiTokenizer) {}

  push(id: number): string {
    return this.utf8.decode(this.tokenizer.tokenBytes(id), { stream: true });
  }

  /** Ends the stream; bytes of an unfinished character come out as U+FFFD. */
  flush(): string {
    return this.utf8.decode();
  }
}

/** Python's str.isspace for one code point. */
const isSpace = (ch: string): boolean => /^[\s\x1c-\x1f\x85]$/u.test(ch) && ch !== '\uFEFF';

/**
 * The pieces the reference tokenizer encodes separately: chunks of MAX_ENCODE_CHARS code points,
 * each cut so no run of whitespace or of non-whitespace exceeds `maxRun` code points. Short texts
 * (the usual case) are one piece.
 */
export function encodePieces(text: string, maxRun = MAX_RUN_CHARS, maxChunk = MAX_ENCODE_CHARS): string[] {
  if (text.length <= Math.min(maxRun, maxChunk)) return [text];
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (let c = 0; c < chars.length; c += maxChunk) {
    const chunk = chars.slice(c, c + maxChunk);
    let runLen = 0;
    let runIsSpace = chunk.length > 0 && isSpace(chunk[0]);
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const space = isSpace(chunk[i]);
      if (space !== runIsSpace) {
        runLen = 1;
        runIsSpace = space;
      } else if (++runLen > maxRun) {
        pieces.push(chunk.slice(start, i).join(''));
        start = i;
        runLen = 1;
      }
    }
    pieces.push(chunk.slice(start).join(''));
  }
  return pieces;
}

function countRanks(bpe: string, file: string): number {
  // Ranks must be exactly 0..N-1: the special ids are placed right after them.
  let count = 0;
  let lineNo = 0;
  for (const line of bpe.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    const rank = Number(line.slice(space + 1));
    if (space <= 0 || !Number.isInteger(rank)) {
      throw new Error(`${file}: line ${lineNo} is not "base64-token rank": ${JSON.stringify(line.slice(0, 60))}`);
    }
    if (rank !== count) {
      throw new Error(`${file}: line ${lineNo} has rank ${rank}, expected ${count} (ranks must be 0,1,2,... in order)`);
    }
    count++;
  }
  if (count === 0) throw new Error(`${file}: no BPE ranks found; is this a tiktoken.model file?`);
  return count;
}

function specialTokensFromConfig(configText: string, numBaseTokens: number, file: string): Map<string, number> {
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const decoder = (config as { added_tokens_decoder?: unknown }).added_tokens_decoder;
  if (typeof decoder !== 'object' || decoder === null) {
    throw new Error(`${file}: field "added_tokens_decoder" is missing; it must map special ids to {"content": name}`);
  }
  const last = numBaseTokens + NUM_RESERVED_SPECIAL_TOKENS;
  const named = new Map<number, string>();
  for (const [key, value] of Object.entries(decoder as Record<string, unknown>)) {
    const id = Number(key);
    const content = (value as { content?: unknown } | null)?.content;
    if (!Number.isInteger(id) || id < numBaseTokens || id >= last) {
      throw new Error(`${file}: added_tokens_decoder id ${key} is outside the special range [${numBaseTokens}, ${last})`);
    }
    if (typeof content !== 'string' || content === '') {
      throw new Error(`${file}: added_tokens_decoder["${key}"].content must be a non-empty string`);
    }
    named.set(id, content);
  }
  const names = new Set(named.values());
  for (const [name, id] of Object.entries(KIMI_VL_MEDIA_TOKENS)) {
    if (names.has(name)) continue;
    const taken = named.get(id);
    if (taken !== undefined) {
      throw new Error(`${file}: id ${id} is "${taken}" but Kimi-VL needs it for ${name}; this is not a Kimi-VL tokenizer`);
    }
    if (id >= numBaseTokens && id < last) named.set(id, name);
  }
  const specials = new Map<string, number>();
  for (let id = numBaseTokens; id < last; id++) {
    const name = named.get(id) ?? `<|reserved_token_${id}|>`;
    if (specials.has(name)) throw new Error(`${file}: special token ${JSON.stringify(name)} appears twice`);
    specials.set(name, id);
  }
  for (const name of REQUIRED_SPECIALS) {
    if (!specials.has(name)) {
      throw new Error(`${file}: added_tokens_decoder lacks the special token ${name}; add it or use the model's own tokenizer_config.json`);
    }
  }
  return specials;
}
