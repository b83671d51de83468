/**
 * The execution provider a user picks (the UI's Run screen, or any openRun caller) reaches the Kimi
 * engine: on a real tiny package, asking for coreml on Linux opens the engine on CPU and says why, and
 * the trace records what was asked; an unknown provider from a UI client is refused with the choices.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { openRun, RunInputError } from '../../agent/run/open-run.ts';
import { createAgentAdapter } from '../../agent/server/agent-adapter.ts';
import { parseExecutionProvider } from '../../models/kimi/runtime/providers.ts';
import { makeTinyPackage, type TinyPackage } from '../support/kimi-package.ts';

let vd: VirtualDisplay;
let tiny: TinyPackage;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'execution-provider-'));
  [vd, tiny] = await Promise.all([startVirtualDisplay({ size: '640x480', windowManager: false }), makeTinyPackage()]);
}, 300_000);
afterAll(async () => {
  await vd?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('the execution provider of a run', () => {
  it('reaches the Kimi engine: coreml is not in this build, so it runs on CPU and the run is told why', async () => {
    const warnings: string[] = [];
    const out = join(dir, 'coreml');
    const run = await openRun({
      instruction: 'look',
      model: `kimi-vl:${tiny.pkg}`,
      executionProvider: 'coreml',
      maxSteps: 1,
      display: vd.display,
      out,
      onWarning: (message) => warnings.push(message),
    });
    await run.close();
    expect(warnings.join('\n')).toMatch(/execution provider: coreml is not in this onnxruntime-node build .*; falling back to cpu/);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).settings).toMatchObject({ executionProvider: 'coreml', coordinates: 'relative' });
  }, 300_000);

  it('an unknown provider from a UI client is refused with the choices, and no run folder is made', async () => {
    const start = createAgentAdapter().startRun(
      { instruction: 'look', model: `kimi-vl:${tiny.pkg}`, executionProvider: 'warp-drive', maxSteps: 1, thinking: false, display: vd.display, runsDir: dir, runId: 'warp' },
      { status: () => undefined, stepStarted: () => undefined, delta: () => undefined, stepRecorded: () => undefined, confirm: async () => false },
    );
    await expect(start).rejects.toThrow(RunInputError);
    await expect(start).rejects.toThrow(/unknown execution provider "warp-drive": use one of auto, cpu, cuda, dml, coreml, webgpu/);
    expect(existsSync(join(dir, 'warp'))).toBe(false);
  }, 120_000);

  it('the Run screen offers only providers the engine accepts (onnxruntime also lists tensorrt, which it does not)', async () => {
    const offered = (await createAgentAdapter().facts()).executionProviders;
    expect(offered).toContain('cpu');
    for (const provider of offered) expect(() => parseExecutionProvider(provider)).not.toThrow();
  });
});
