/**
 * openRun() itself, in process, on Xvfb with a window manager: the policy is asked with the active
 * window (so window rules work for every entry point), and bad input is refused with a message that
 * names what to fix before a trace folder is made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { openRun, RunInputError, type RunRequest } from '../../agent/run/open-run.ts';
import { activeWindow } from '../../agent/safety/x11.ts';

let vd: VirtualDisplay;
let xterm: ChildProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'open-run-'));
  vd = await startVirtualDisplay({ size: '800x600' });
  xterm = spawn('xterm', ['-title', 'Password Vault', '-geometry', '60x10+20+20'], { env: vd.env, stdio: 'ignore' });
  for (let i = 0; i < 200 && (await activeWindow(vd.display))?.title !== 'Password Vault'; i++) await new Promise((r) => setTimeout(r, 50));
}, 120_000);
afterAll(async () => {
  xterm?.kill();
  await vd?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function scripted(name: string, replies: string[]): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ family: 'pyautogui', replies }));
  return `script:${file}`;
}

const request = (name: string, extra: Partial<RunRequest> = {}): RunRequest => ({
  instruction: 'type in the vault',
  model: scripted(name, ["```python\npyautogui.write('hello')\n```", 'DONE']),
  maxSteps: 3,
  display: vd.display,
  out: join(dir, name),
  ...extra,
});

describe('openRun', () => {
  it('asks the policy with the active window: a window rule denies typing into the vault', async () => {
    const policy = join(dir, 'vault.yaml');
    writeFileSync(policy, 'rules:\n  - id: vault/no-typing\n    decision: deny\n    reason: never type into the password vault\n    when:\n      window: { title: vault }\n      kinds: [type]\n');
    const run = await openRun(request('vault', { safety: { policyFiles: [policy] } }));
    try {
      expect((await run.run()).status).toBe('success');
    } finally {
      await run.close();
    }
    const first = JSON.parse(readFileSync(join(dir, 'vault', 'steps.jsonl'), 'utf8').split('\n')[0]);
    expect(first.actions[0].safety).toEqual({ decision: 'deny', rule: 'vault/no-typing' });
    expect(first.feedback).toContain('never type into the password vault');
  }, 120_000);

  it('refuses bad input with what to fix, and makes no trace folder', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'rules:\n  - id: x\n    decision: maybe\n    when: { kinds: [type] }\n');
    const cases: [Partial<RunRequest>, RegExp][] = [
      [{ safety: { policyFiles: [broken] } }, new RegExp(`${broken}:3: rule "x": decision: expected one of allow, confirm, deny`)],
      [{ model: 'gpt:4' }, /model spec "gpt:4" is not understood/],
      [{ model: undefined }, /a run needs a model, recorded steps to perform again, or both/],
      [{ monitor: 'DP-9' }, /monitor DP-9 does not exist; monitors are /],
      [{ replay: { dir: join(dir, 'vault'), untilStep: 9 } }, /has no recorded step 8 \(its last step is 2\); re-run from a step from 1 to 3/],
      [{ replay: { dir: join(dir, 'vault'), fromStep: 3 } }, /has no recorded step 3 to perform again \(its last step is 2\)/],
    ];
    for (const [i, [change, message]] of cases.entries()) {
      const out = join(dir, `bad-${i}`);
      const opening = openRun({ ...request(`bad-${i}`), ...change, out });
      await expect(opening).rejects.toThrow(RunInputError);
      await expect(opening).rejects.toThrow(message);
      expect(existsSync(out)).toBe(false);
    }
    const taken = join(dir, 'vault');
    await expect(openRun({ ...request('again'), out: taken })).rejects.toThrow(/trace folder .*vault is not empty .*; choose a new --out folder/);
  }, 120_000);
});
