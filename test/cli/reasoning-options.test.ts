/**
 * The reasoning options `run` and `bench` share: parsed into ReasoningOptions, bad values refused with
 * the option, the value and what is allowed.
 */
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../agent/cli/commands/run.ts';
import { run as bench } from '../../agent/cli/commands/bench.ts';
import { UsageError } from '../../agent/cli/usage.ts';

const run = (...extra: string[]) => parseRunArgs(['Open the menu', '--model', 'script:x.json', '--display', ':1', ...extra]);

describe('reasoning options', () => {
  it('are off unless asked; --verify-done takes a limit and a judge model', () => {
    expect(run()).toMatchObject({ reasoning: {} });
    expect(run('--verify-done')).toMatchObject({ reasoning: { verifyDone: { limit: 2 } } });
    expect(run('--verify-done', '--verify-limit', '5', '--verify-model', 'script:judge.json')).toMatchObject({
      reasoning: { verifyDone: { limit: 5, model: 'script:judge.json' } },
    });
  });

  it('--rethink takes a token cap', () => {
    expect(run('--rethink')).toMatchObject({ reasoning: { rethink: { maxTokens: 256 } } });
    expect(run('--rethink', '--rethink-tokens', '64', '--verify-done')).toMatchObject({ reasoning: { rethink: { maxTokens: 64 }, verifyDone: { limit: 2 } } });
  });

  it('--samples takes N and a way to choose', () => {
    expect(run('--samples', '4')).toMatchObject({ reasoning: { samples: { n: 4, select: 'vote' } } });
    expect(run('--samples', '2', '--select', 'judge')).toMatchObject({ reasoning: { samples: { n: 2, select: 'judge' } } });
  });

  it('--zoom-clicks asks for a second look before each click', () => {
    expect(run('--zoom-clicks')).toMatchObject({ reasoning: { zoomClicks: true } });
    expect(run('--zoom-clicks', '--samples', '3')).toMatchObject({ reasoning: { zoomClicks: true, samples: { n: 3 } } });
  });

  it('refuses bad values, naming the option and the value', () => {
    expect(() => run('--samples', '1')).toThrow(/--samples must be a whole number from 2 to 16 \(got "1"\)/);
    expect(() => run('--samples', '3', '--select', 'best')).toThrow(/--select must be vote or judge \(got "best"\)/);
    expect(() => run('--select', 'vote')).toThrow(/--select needs --samples/);
    expect(() => run('--rethink', '--rethink-tokens', '0')).toThrow(/--rethink-tokens must be a whole number from 1 to 8192 \(got "0"\)/);
    expect(() => run('--rethink-tokens', '10')).toThrow(/needs --rethink/);
    expect(() => run('--verify-done', '--verify-limit', '0')).toThrow(/--verify-limit must be a whole number from 1 to 100 \(got "0"\)/);
    expect(() => run('--verify-done', '--verify-limit', 'two')).toThrow(UsageError);
    expect(() => run('--verify-limit', '3')).toThrow(/need --verify-done/);
    expect(() => run('--verify-done', '--verify-model', 'nonsense')).toThrow(/--verify-model: /);
  });

  it('bench reads the same flags', async () => {
    await expect(bench(['package.json', '--model', 'script:x', '--out', 'o', '--verify-limit', '2'])).rejects.toThrow(/need --verify-done/);
  });
});
