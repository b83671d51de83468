/**
 * The policy judges an action with what the run left before it: keys still held (a chord split over
 * keyDown / press / keyUp, within a reply or across steps) and text already typed into the focused
 * field (a command written in pieces). Property-based: every destructive text rule of the default
 * policy is tried with shell spellings a shell reads the same way, split over several writes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScreenAction } from '../../agent/protocol/actions.ts';
import { InputState } from '../../agent/safety/input-state.ts';
import { SafetyPolicy } from '../../agent/safety/policy.ts';
import { shellText } from '../../agent/safety/shell-text.ts';
import type { SafetyVerdict } from '../../agent/safety/types.ts';

const policy = SafetyPolicy.load();

/** Reviews each action as the loop does (one run's InputState; an action that is not allowed does not run). */
function judge(actions: ScreenAction[], input = new InputState()): SafetyVerdict[] {
  return actions.map((action) => {
    const verdict = policy.review(action, { step: 1, observation: {} as never, input });
    if (verdict.decision === 'allow') input.apply(action);
    return verdict;
  });
}
const down = (key: string): ScreenAction => ({ kind: 'key_down', key });
const up = (key: string): ScreenAction => ({ kind: 'key_up', key });
const press = (key: string): ScreenAction => ({ kind: 'press', key, presses: 1 });
const type = (text: string): ScreenAction => ({ kind: 'type', text });

describe('split chords', () => {
  it("keyDown('alt'); press('f4'); keyUp('alt') is judged like hotkey('alt', 'f4')", () => {
    expect(judge([{ kind: 'hotkey', keys: ['alt', 'f4'] }])[0]).toMatchObject({ decision: 'confirm', rule: 'keys/close-app' });
    expect(judge([down('alt'), press('f4'), up('alt')]).map((v) => v.decision)).toEqual(['allow', 'confirm', 'allow']);
    expect(judge([down('altright'), press('F4')])[1]).toMatchObject({ rule: 'keys/close-app' });
  });

  it('held keys last across steps until released, and only while held', () => {
    const input = new InputState();
    judge([down('alt')], input); // step 1
    expect(judge([press('f4')], input)[0]).toMatchObject({ decision: 'confirm', rule: 'keys/close-app' }); // step 2
    judge([up('alt')], input);
    expect(judge([press('f4')], input)[0]!.decision).toBe('allow');
  });

  it('the secure-attention deny rule holds for every split of ctrl+alt+backspace / delete', () => {
    let cases = 0;
    fc.assert(
      fc.property(
        fc.constantFrom('delete', 'backspace', 'del'),
        fc.shuffledSubarray(['ctrl', 'alt'], { minLength: 2, maxLength: 2 }),
        fc.integer({ min: 0, max: 2 }),
        (last, modifiers, held) => {
          cases++;
          // The first `held` keys go down on their own; the rest are pressed as one hotkey.
          const keys = [...modifiers, last];
          const actions: ScreenAction[] = [...keys.slice(0, held).map(down), held === 2 ? press(last) : { kind: 'hotkey', keys: keys.slice(held) }];
          expect(judge(actions).at(-1)).toMatchObject({ decision: 'deny', rule: 'keys/secure-attention' });
        },
      ),
    );
    console.log(`split secure-attention chords: ${cases} cases`);
  });

  it('typing while ctrl is held presses ctrl with each character', () => {
    expect(judge([down('ctrl'), type('q')])[1]).toMatchObject({ decision: 'confirm', rule: 'keys/close-app' });
    expect(judge([down('shift'), type('q')])[1]!.decision).toBe('allow');
  });
});

describe('typed text', () => {
  it('judges the focused field so far, not one write; a click or Enter starts a new field', () => {
    expect(judge([type('rm -'), type('rf ~')]).map((v) => v.decision)).toEqual(['allow', 'confirm']);
    expect(judge([type('rm -'), press('enter'), type('rf ~')]).map((v) => v.decision)).toEqual(['allow', 'allow', 'allow']);
    expect(judge([type('rm -'), { kind: 'click', button: 'left', clicks: 1 }, type('rf ~')]).at(-1)!.decision).toBe('allow');
    // Backspace takes characters back out of the field.
    expect(judge([type('rm -x'), press('backspace'), type('rf ~')]).at(-1)!.decision).toBe('confirm');
  });

  it('an approved command is judged again with every later piece of its line, edits included', () => {
    const input = new InputState();
    input.apply(type('rm -rf /tmp/build'));
    input.apply(press('backspace'));
    expect(judge([type('d')], input)[0]!.decision).toBe('confirm');
    const editedAway = new InputState();
    editedAway.apply(type('rm -rf /tmp/x'));
    editedAway.apply({ kind: 'press', key: 'backspace', presses: 6 });
    expect(judge([type('~')], editedAway)[0]!.decision).toBe('confirm');
    editedAway.apply(press('enter'));
    expect(judge([type('ls')], editedAway)[0]!.decision).toBe('allow');
  });

  it('follows the cursor: text typed after Home, arrows or Delete lands where the field has it', () => {
    expect(judge([type(' -rf ~'), press('home'), type('rm')]).at(-1)).toMatchObject({ decision: 'confirm', rule: 'text/destructive-shell' });
    expect(judge([type('rm  ~'), { kind: 'press', key: 'left', presses: 2 }, type('-rf')]).at(-1)!.decision).toBe('confirm');
    // Deleting two characters turns the harmless line into rm -rf ~; the next write is judged with it.
    const edited = judge([type('rm xx-rf ~'), press('home'), { kind: 'press', key: 'right', presses: 3 }, { kind: 'press', key: 'delete', presses: 2 }, press('end'), type(' ')]);
    expect(edited.map((v) => v.decision)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'confirm']);
    // ... and so is Enter, when nothing is typed after the edit.
    const submitted = judge([type('rm xx-rf ~'), press('home'), { kind: 'press', key: 'right', presses: 3 }, { kind: 'press', key: 'delete', presses: 2 }, press('enter')]);
    expect(submitted.at(-1)).toMatchObject({ decision: 'confirm', rule: 'text/destructive-shell' });
    // Enter after an approved write is not asked about again.
    const input = new InputState();
    input.apply(type('rm -rf /tmp/build'));
    expect(judge([press('enter')], input)[0]!.decision).toBe('allow');
    expect(judge([type('rm -rf'), { kind: 'press', key: 'backspace', presses: 3 }, press('end'), type(' notes.txt')]).at(-1)!.decision).toBe('allow');
  });

  it('every destructive command typed as three pieces in a shuffled order, with the cursor moved between, asks (property)', () => {
    let cases = 0;
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS.map((s) => s.words.join(' '))), fc.nat(), fc.nat(), (command, i, j) => {
        cases++;
        const [a, b] = [i % (command.length + 1), j % (command.length + 1)].sort((x, y) => x - y) as [number, number];
        // Type the first and last pieces, go back to where the middle belongs, type it.
        const actions: ScreenAction[] = [type(command.slice(0, a)), type(command.slice(b)), press('home'), { kind: 'press', key: 'right', presses: a }, type(command.slice(a, b))];
        expect(judge(actions).some((v) => v.rule === 'text/destructive-shell'), JSON.stringify(actions)).toBe(true);
      }),
      { numRuns: 500 },
    );
    console.log(`cursor-assembled commands: ${cases} cases`);
  });

  it('finds a command anywhere in a write of 100 KB, the window edges included', () => {
    for (const at of [0, 4090, 8190, 50_000, 100_000]) {
      const text = 'x '.repeat(50_000).slice(0, at) + ' rm -rf ~ ' + 'y '.repeat(50_000).slice(at);
      expect(judge([type(text)])[0]!.decision, `at ${at}`).toBe('confirm');
    }
    expect(judge([type('x '.repeat(50_000))])[0]!.decision).toBe('allow');
  });

  it.each([
    ['"rm" -rf ~'],
    ["r''m -rf ~"],
    ['rm${IFS}-rf${IFS}~'],
    ['rm --recursive --force ~'],
    ['rm --no-preserve-root -rf /'],
    ['\\rm -r -f ~'],
    ['find ~ -delete'],
    ['find . -name "*.txt" -exec rm {} ;'],
    ['{rm,-rf,~}'],
    ['git push -f origin main'],
    ['dd of=/dev/sda if=/dev/zero'],
  ])('%s asks for confirmation', (text) => {
    expect(judge([type(text)])[0]).toMatchObject({ decision: 'confirm', rule: 'text/destructive-shell' });
  });
});

/** One destructive command per pattern of text/destructive-shell, as words, and whether a shell reads it. */
const SEEDS: { words: string[]; shell: boolean }[] = [
  { words: ['rm', '-rf', '~/Documents'], shell: true },
  { words: ['find', '~', '-delete'], shell: true },
  { words: ['shred', '-u', 'notes.txt'], shell: true },
  { words: ['mkfs.ext4', '/dev/sda1'], shell: true },
  { words: ['dd', 'if=/dev/zero', 'of=/dev/sda'], shell: true },
  { words: ['shutdown', '-h', 'now'], shell: true },
  { words: ['format', 'c:'], shell: false },
  { words: [':(){', ':|:&', '};:'], shell: false },
  { words: ['chmod', '-R', '777', '/'], shell: true },
  { words: ['cat', 'disk.img', '>', '/dev/sda'], shell: true },
  { words: ['DROP', 'TABLE', 'users;'], shell: false },
  { words: ['git', 'push', '--force', 'origin', 'main'], shell: true },
];
/** Harmless commands that share words with the destructive ones. */
const HARMLESS: string[][] = [['ls', '-la', '~/Documents'], ['find', '~', '-name', 'x'], ['git', 'push', 'origin', 'main'], ['echo', 'farm'], ['cat', 'disk.img']];
const LONG = { '-rf': ['--recursive --force', '-r -f', '-fr', '-R -f', '--force --recursive'], '-R': ['--recursive'] } as Record<string, string[]>;

/** A spelling of one word that a shell reads as the same word. */
function wordVariant(word: string, shell: boolean): fc.Arbitrary<string> {
  if (!shell) return fc.constant(word);
  const options: fc.Arbitrary<string>[] = [fc.constant(word)];
  if (LONG[word]) options.push(fc.constantFrom(...LONG[word]));
  if (/^[\w.=/-]+$/.test(word)) {
    options.push(fc.constantFrom(`'${word}'`, `"${word}"`));
    const letters = [...word].flatMap((c, i) => (/[a-z]/i.test(c) ? [i] : []));
    if (letters.length > 0) {
      options.push(
        fc.tuple(fc.constantFrom(...letters), fc.constantFrom("''", '""', '\\')).map(([i, insert]) =>
          insert === '\\' ? word.slice(0, i) + '\\' + word.slice(i) : i === 0 ? word : word.slice(0, i) + insert + word.slice(i),
        ),
      );
    }
  }
  return fc.oneof(...options);
}

function commandVariant(words: string[], shell: boolean): fc.Arbitrary<string> {
  const separators = shell ? [' ', '  ', '\t', '${IFS}'] : [' ', '  ', '\t'];
  return fc
    .tuple(
      fc.constantFrom(...(shell ? ['', 'sudo ', 'cd /tmp && ', 'echo ok; ', '  '] : ['', '  '])),
      fc.tuple(...words.map((w) => wordVariant(w, shell))),
      fc.array(fc.constantFrom(...separators), { minLength: words.length, maxLength: words.length }),
    )
    .map(([prefix, spelled, seps]) => prefix + spelled.map((w, i) => (i === 0 ? w : seps[i]! + w)).join(''));
}

/** The text cut into 1 to 3 writes. */
function writes(text: string): fc.Arbitrary<string[]> {
  return fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 2 }).map((cuts) => {
    const at = [0, ...cuts.sort((a, b) => a - b), text.length];
    return at.slice(1).map((end, i) => text.slice(at[i], end)).filter((piece) => piece !== '');
  });
}

describe('destructive text rules against shell spellings (property-based)', () => {
  const rule = policy.rules.find((r) => r.id === 'text/destructive-shell')!;

  it('every pattern of text/destructive-shell has a seed command here', () => {
    for (const re of rule.text!) {
      const seeded = SEEDS.some(({ words }) => re.test(words.join(' ')));
      expect(seeded, `no seed for ${re.source}`).toBe(true);
    }
  });

  it.each(SEEDS.map((s) => [s.words.join(' '), s] as const))('%s: every spelling, in any number of writes, asks for confirmation', (_, seed) => {
    let cases = 0;
    fc.assert(
      fc.property(commandVariant(seed.words, seed.shell).chain(writes), (pieces) => {
        cases++;
        const verdicts = judge(pieces.map(type));
        expect(verdicts.some((v) => v.decision === 'confirm' && v.rule === 'text/destructive-shell'), JSON.stringify(pieces)).toBe(true);
      }),
      { numRuns: 300 },
    );
    console.log(`destructive-shell "${seed.words.join(' ')}": ${cases} spellings`);
  });

  it('harmless commands spelled the same ways stay allowed', () => {
    let cases = 0;
    fc.assert(
      fc.property(fc.constantFrom(...HARMLESS).chain((words) => commandVariant(words, true)).chain(writes), (pieces) => {
        cases++;
        expect(judge(pieces.map(type)).map((v) => v.decision), JSON.stringify(pieces)).not.toContain('confirm');
      }),
      { numRuns: 500 },
    );
    console.log(`harmless commands: ${cases} spellings`);
  });

  it('shellText undoes quoting without inventing words', () => {
    expect(shellText(`r''m   "-rf"\t\\~`)).toBe('rm -rf ~');
    expect(shellText('echo "it\'s fine"')).toBe('echo its fine');
  });
});
