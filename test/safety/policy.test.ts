import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyError, SafetyPolicy, parsePolicy } from '../../agent/safety/policy.ts';
import type { ActionContext } from '../../agent/safety/types.ts';
import type { ScreenAction } from '../../agent/protocol/actions.ts';

const context = (extra: Partial<ActionContext> = {}): ActionContext => ({ step: 1, observation: {} as never, ...extra });
const defaults = SafetyPolicy.load();

function writePolicy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

describe('default policy', () => {
  const cases: [ScreenAction, string, string | undefined][] = [
    [{ kind: 'type', text: 'rm -rf ~/Documents' }, 'confirm', 'text/destructive-shell'],
    [{ kind: 'type', text: 'sudo mkfs.ext4 /dev/sda1' }, 'confirm', 'text/destructive-shell'],
    [{ kind: 'type', text: 'dd if=/dev/zero of=/dev/sda' }, 'confirm', 'text/destructive-shell'],
    [{ kind: 'type', text: 'shutdown -h now' }, 'confirm', 'text/destructive-shell'],
    [{ kind: 'type', text: 'export KEY=sk-abcdefghijklmnopqrstuvwxyz012345' }, 'confirm', 'text/credential'],
    [{ kind: 'hotkey', keys: ['ctrl', 'alt', 'delete'] }, 'deny', 'keys/secure-attention'],
    [{ kind: 'hotkey', keys: ['alt', 'ctrl', 'Del'] }, 'deny', 'keys/secure-attention'],
    [{ kind: 'hotkey', keys: ['super', 'r'] }, 'confirm', 'keys/run-dialog'],
    [{ kind: 'hotkey', keys: ['alt', 'f4'] }, 'confirm', 'keys/close-app'],
    [{ kind: 'type', text: 'the farm -rf is a word game' }, 'allow', undefined],
    [{ kind: 'type', text: 'hello wörld 世界' }, 'allow', undefined],
    [{ kind: 'hotkey', keys: ['ctrl', 'c'] }, 'allow', undefined],
    [{ kind: 'click', at: { x: 1, y: 2 }, button: 'left', clicks: 1 }, 'allow', undefined],
  ];
  it.each(cases)('%j -> %s', (action, decision, rule) => {
    const verdict = defaults.review(action, context());
    expect(verdict.decision).toBe(decision);
    expect(verdict.rule).toBe(rule);
  });
});

describe('policy rules', () => {
  it('window and url conditions, allowlists, and the most severe match winning', () => {
    const file = writePolicy(`
version: 1
rules:
  - id: terminal-close
    decision: deny
    when: { keys: [[alt, f4]], window: { class: xterm } }
  - id: only-editor
    decision: confirm
    when: { kinds: [type], notWindow: { class: 'mousepad|xterm' } }
  - id: bank
    decision: deny
    reason: never touch the bank
    when: { url: '^https://bank\\.example' }
`);
    const policy = SafetyPolicy.load([file]);
    const xterm = context({ activeWindow: { title: 'bash', className: 'xterm.XTerm' } });
    const gimp = context({ activeWindow: { title: 'GIMP', className: 'gimp.Gimp' } });
    expect(policy.review({ kind: 'hotkey', keys: ['alt', 'f4'] }, xterm)).toMatchObject({ decision: 'deny', rule: 'terminal-close' });
    expect(policy.review({ kind: 'hotkey', keys: ['alt', 'f4'] }, gimp)).toMatchObject({ decision: 'confirm', rule: 'keys/close-app' });
    expect(policy.review({ kind: 'type', text: 'x' }, gimp)).toMatchObject({ decision: 'confirm', rule: 'only-editor' });
    expect(policy.review({ kind: 'type', text: 'x' }, xterm).decision).toBe('allow');
    const bank = context({ url: 'https://bank.example/transfer' });
    expect(policy.review({ kind: 'click', button: 'left', clicks: 1 }, bank)).toMatchObject({ decision: 'deny', reason: 'never touch the bank' });
  });

  it('replace: true drops the defaults', () => {
    const policy = SafetyPolicy.load([writePolicy('replace: true\nrules: []\n')]);
    expect(policy.review({ kind: 'type', text: 'rm -rf /' }, context()).decision).toBe('allow');
  });

  const errors: [string, RegExp][] = [
    ['rules:\n  - id: a\n    decision: maybe\n    when: { text: x }\n', /policy\.yaml:3: rule "a": decision: expected one of allow, confirm, deny, got "maybe"/],
    ['rules:\n  - id: a\n    decision: deny\n    when: { text: "(" }\n', /policy\.yaml:4: rule "a": when: text: bad regular expression/],
    ['rules:\n  - id: a\n    decision: deny\n    when: { keys: [[ctrl, banana]] }\n', /:4: rule "a": when: keys: unknown key name "banana"/],
    ['rules:\n  - id: a\n    decision: deny\n    when: { colour: red }\n', /:4: rule "a": when: unknown condition "colour"/],
    ['rules:\n  - decision: deny\n    when: { text: x }\n', /:2: rule "#1": id: every rule needs a non-empty id/],
    ['rules:\n  - id: a\n    decision: deny\n    when: {text: x}\n  - id: a\n    decision: deny\n    when: {text: y}\n', /:5: rule "a" is defined twice/],
    ['rules: [\n', /policy\.yaml:\d+: invalid YAML/],
    ['version: 7\n', /policy\.yaml:1: unsupported policy version 7/],
    ['- 1\n- 2\n', /policy\.yaml:1: a policy is a mapping/],
  ];
  it.each(errors)('reports %j with file, line and rule', (text, message) => {
    const file = writePolicy(text);
    expect(() => SafetyPolicy.load([file])).toThrow(PolicyError);
    expect(() => SafetyPolicy.load([file])).toThrow(message);
  });

  it('a missing policy file is named', () => {
    expect(() => SafetyPolicy.load(['/nonexistent/policy.yaml'])).toThrow(/\/nonexistent\/policy\.yaml: cannot read policy file: ENOENT/);
  });

  it('fuzz: any text either loads or fails with a PolicyError, never another exception', () => {
    let cases = 0;
    const yamlish = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.array(fc.constantFrom('rules:\n', '  - id: a\n', '    decision: deny\n', '    when: {text: "[" }\n', 'when:', '- ', '{', '}', '"', 'keys: [[ctrl]]\n', 'version: 1\n', '\t', 'replace: true\n'), { maxLength: 20 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        cases++;
        try {
          parsePolicy(text, 'fuzz.yaml');
        } catch (error) {
          if (!(error instanceof PolicyError)) throw error;
          expect((error as Error).message.startsWith('fuzz.yaml')).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    console.log(`policy fuzz: ${cases} cases`);
  });
});
