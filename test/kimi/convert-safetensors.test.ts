/** safetensors reader/writer: dtype conversions against independent formulas, row reads, shards, errors. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { float32ToBf16, float32ToF16, toFloat32 } from '../../models/safetensors/dtype.ts';
import { Checkpoint } from '../../models/safetensors/reader.ts';
import { encodeSafetensors, writeCheckpoint } from '../../models/safetensors/writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (a: Uint16Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('dtype conversions', () => {
  it('bf16 -> float32 is exact: value = sign * 2^(e-127) * (1 + m/128)', () => {
    const bits = Uint16Array.from([0x3f80, 0xbfc0, 0x4049, 0x0001, 0x7f7f, 0x0000, 0x8000]);
    const got = toFloat32('BF16', bytes(bits));
    const expected = Array.from(bits, (h) => {
      const sign = h & 0x8000 ? -1 : 1;
      const e = (h >> 7) & 0xff;
      const m = h & 0x7f;
      return e === 0 ? sign * m * 2 ** -133 : sign * 2 ** (e - 127) * (1 + m / 128);
    });
    expect(Array.from(got)).toEqual(expected.map((v) => Math.fround(v)));
    // The same bytes at an odd offset (an unaligned slice of a file buffer) convert the same.
    const odd = new Uint8Array(bits.byteLength + 1);
    odd.set(bytes(bits), 1);
    expect(Array.from(toFloat32('BF16', odd.subarray(1)))).toEqual(Array.from(got));
  });

  it('f16 -> float32 is exact, including subnormals and infinity', () => {
    const got = toFloat32('F16', bytes(Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x7c00, 0x8000])));
    expect(Array.from(got)).toEqual([1, -2, Math.fround(0.333251953125), 2 ** -24, 65504, Infinity, -0]);
  });

  it('float32 -> f16 -> float32 rounds to the nearest half (property)', () => {
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const back = toFloat32('F16', bytes(float32ToF16(Float32Array.of(x))))[0];
        // Nearest-half error is at most half a unit in the last place (2^-11 relative; 2^-25 absolute for subnormals).
        expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25) + 1e-12);
      }),
    );
  });

  it('float32 -> bf16 -> float32 keeps 8 significant bits (property)', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), (x) => {
        const back = toFloat32('BF16', bytes(float32ToBf16(Float32Array.of(x))))[0];
        expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8 + 1e-38);
      }),
    );
  });
});

describe('Checkpoint reader', () => {
  const a = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
  const b = Float32Array.from([1.5, -2.25, 3]);
  const tensors = [
    { name: 'a', dtype: 'F32' as const, shape: [4, 3], data: bytes(a) },
    { name: 'b', dtype: 'BF16' as const, shape: [3], data: bytes(float32ToBf16(b)) },
    { name: 'c', dtype: 'F16' as const, shape: [2, 2], data: bytes(float32ToF16(Float32Array.of(1, 2, 3, 4))) },
  ];

  it('reads single-file checkpoints whole and by row ranges', () => {
    const d = join(dir, 'single');
    mkdirSync(d);
    writeCheckpoint(d, tensors);
    const ck = Checkpoint.open(d);
    expect(ck.names().sort()).toEqual(['a', 'b', 'c']);
    expect(ck.info('a')).toMatchObject({ dtype: 'F32', shape: [4, 3] });
    expect(Array.from(ck.float32('a', 1, 3))).toEqual(Array.from(a.subarray(3, 9)));
    expect(Array.from(ck.float32('b'))).toEqual([1.5, -2.25, 3]);
    expect(Array.from(ck.float32('c', 1))).toEqual([3, 4]);
    expect(() => ck.float32('a', 2, 5)).toThrow(/rows \[2,5\) out of range for a \[4,3\]/);
    expect(() => ck.info('zzz')).toThrow(/tensor zzz is missing/);
    ck.close();
  });

  it('reads sharded checkpoints through model.safetensors.index.json', () => {
    const d = join(dir, 'sharded');
    mkdirSync(d);
    expect(writeCheckpoint(d, tensors, 2)).toHaveLength(2);
    const ck = Checkpoint.open(d);
    expect(ck.info('a').file).not.toBe(ck.info('c').file);
    expect(Array.from(ck.float32('c'))).toEqual([1, 2, 3, 4]);
    ck.close();
  });

  it('names the problem: missing shard, wrong index entry, truncated file, bad header', () => {
    const d = join(dir, 'broken');
    mkdirSync(d);
    writeCheckpoint(d, tensors, 2);
    const index = JSON.parse(readFileSync(join(d, 'model.safetensors.index.json'), 'utf8'));
    index.weight_map.extra = 'model-00009-of-00009.safetensors';
    writeFileSync(join(d, 'model.safetensors.index.json'), JSON.stringify(index));
    expect(() => Checkpoint.open(d)).toThrow(/shard model-00009-of-00009.safetensors is listed but .* does not exist/);

    const t = join(dir, 'trunc.safetensors');
    const full = encodeSafetensors(tensors);
    writeFileSync(t, full.subarray(0, full.length - 4));
    expect(() => Checkpoint.open(t)).toThrow(/tensor c data_offsets .* do not fit/);

    writeFileSync(t, Buffer.from('not a safetensors file at all'));
    expect(() => Checkpoint.open(t)).toThrow(/header length .* not plausible/);
    expect(() => Checkpoint.open(join(dir, 'single-missing-folder-x'))).toThrow();
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => Checkpoint.open(empty)).toThrow(/no model.safetensors or model.safetensors.index.json/);
  });
});
