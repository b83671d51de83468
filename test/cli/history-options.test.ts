/**
 * The history options `run` and `bench` share: parsed into HistoryOptions, bad values refused with
 * the option, the value and what is allowed.
 */
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../agent/cli/commands/run.ts';
import { parseHistoryOptions } from '../../agent/cli/history-options.ts';
import { UsageError } from '../../agent/cli/usage.ts';

const run = (...extra: string[]) => parseRunArgs(['Open the menu', '--model', 'script:x.json', '--display', ':1', ...extra]);

describe('history options', () => {
  it('run takes how many, how large and which mode; unset means the model format', () => {
    expect(run()).toMatchObject({ history: {} });
    expect(run('--history-images', '2', '--history-scale', '0.5', '--history-mode', 'stable')).toMatchObject({ history: { images: 2, scale: 0.5, mode: 'stable' } });
    expect(run('--history-images', '0')).toMatchObject({ history: { images: 0 } });
  });

  it('refuses bad values, naming the option and the value', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ 'history-images': '-1' }, /--history-images must be a whole number from 0 to 50 \(got "-1"\)/],
      [{ 'history-images': '2.5' }, /--history-images .*got "2.5"/],
      [{ 'history-images': '' }, /--history-images .*got ""/],
      [{ 'history-scale': '0' }, /--history-scale must be a number above 0 and at most 1, e.g. 0.5 \(got "0"\)/],
      [{ 'history-scale': '1.5' }, /--history-scale .*got "1.5"/],
      [{ 'history-scale': 'half' }, /--history-scale .*got "half"/],
      [{ 'history-mode': 'rolling' }, /--history-mode must be sliding or stable \(got "rolling"\)/],
    ];
    for (const [values, message] of bad) {
      expect(() => parseHistoryOptions(values)).toThrow(UsageError);
      expect(() => parseHistoryOptions(values)).toThrow(message);
    }
    expect(() => run('--history-mode', 'rolling')).toThrow(/--history-mode must be sliding or stable/);
  });
});
