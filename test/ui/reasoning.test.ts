/**
 * The reasoning options from the UI (real Xvfb, headless Chromium), over the WebSocket to `deskpilot
 * serve` and over IPC in the real Electron main process on the bridge: the start form's toggles reach
 * the run, and the step view shows what each extra model call decided.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { readTrace } from '../../agent/trace/reader.ts';
import { SLOW } from './serve-process.ts';
import { openUiSession, TRANSPORTS, type UiSession } from './ui-session.ts';

vi.mock('electron', () => import('../support/electron-bridge/electron-api.ts'));

let display: VirtualDisplay;

beforeAll(async () => {
  display = await startVirtualDisplay({ size: '800x600', windowManager: false });
});

afterAll(async () => {
  await display?.dispose();
});

describe.each(TRANSPORTS)('reasoning options in the UI over %s', (transport) => {
  let ui: UiSession;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deskpilot-reasoning-ui-'));
    ui = await openUiSession(transport, join(dir, 'runs'), display.env);
    page = ui.page;
  });

  afterAll(async () => {
    await ui?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function startFromUi(replies: string[], toggles: string[], family = 'pyautogui', samples?: string): Promise<string> {
    const file = join(dir, `script-${Date.now()}.json`);
    await writeFile(file, JSON.stringify({ family, replies }));
    await ui.open('run');
    await page.getByTestId('instruction').fill('Save the file');
    await page.getByTestId('model').fill(`script:${file}`);
    await page.getByTestId('display').fill(display.display);
    for (const id of toggles) await page.getByTestId(id).check();
    if (samples) await page.getByTestId('samples').fill(samples);
    await page.getByTestId('start').click();
    await page.waitForURL(/#\/live\//, { timeout: 30_000 });
    return decodeURIComponent(page.url().split('#/live/')[1]);
  }

  describe('the step view', () => {
    it('Verify before done: a "no" keeps the run going, and the step shows the check', async () => {
      const runId = await startFromUi(['DONE', 'NO: the file is still unsaved', '```python\npyautogui.click(100, 100)\n```', 'DONE', 'YES'], ['verify-done']);
      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('success');
      await page.getByTestId('timeline-row').first().click();
      const check = page.getByTestId('verification');
      await expect.poll(() => check.getAttribute('data-verdict'), SLOW).toBe('no');
      expect(await check.textContent()).toContain('the file is still unsaved');
      expect(await check.textContent()).toContain('the run went on');
      const trace = await readTrace(join(dir, 'runs', runId));
      expect(trace.run.settings['reasoning']).toEqual({ verifyDone: { limit: 2 } });
      expect(trace.steps.map((s) => s.verification?.verdict)).toEqual(['no', undefined, 'yes']);
    });

    it('Rethink before acting: the step shows both answers and that the second one ran', async () => {
      const code = (line: string) => `## Code:\n\`\`\`python\n${line}\n\`\`\``;
      const done = "computer.terminate(status='success')";
      const click = 'pyautogui.click(x=0.5, y=0.5)';
      const runId = await startFromUi(
        [`◁think▷It looks saved.◁/think▷${code(done)}`, `The title has a star.◁/think▷${code(click)}`, `◁think▷Saved.◁/think▷${code(done)}`, `Yes.◁/think▷${code(done)}`],
        ['rethink'],
        'kimi',
      );
      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('success');
      await page.getByTestId('timeline-row').first().click();
      const look = page.getByTestId('rethink');
      await expect.poll(() => look.getAttribute('data-used'), SLOW).toBe('second');
      expect(await page.getByTestId('rethink-first').textContent()).toContain('terminate');
      expect(await page.getByTestId('rethink-second').textContent()).toContain('pyautogui.click');
      expect(await look.textContent()).toContain('(done)');
      const trace = await readTrace(join(dir, 'runs', runId));
      expect(trace.run.settings['reasoning']).toEqual({ rethink: { maxTokens: 256 } });
      expect(trace.steps[0]!.actions[0]!.screen.kind).toBe('click');
    });

    it('Best of N: every candidate is marked on the screenshot, the chosen one apart', async () => {
      const click = (x: number, y: number) => `\`\`\`python\npyautogui.click(${x}, ${y})\n\`\`\``;
      const runId = await startFromUi([click(100, 100), click(400, 300), click(402, 301), 'DONE', 'DONE', 'DONE'], [], 'pyautogui', '3');
      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('success');
      await page.getByTestId('timeline-row').first().click();
      const marks = page.getByTestId('overlay-candidate');
      await expect.poll(() => marks.count(), SLOW).toBe(3);
      expect(await marks.evaluateAll((els) => els.map((e) => [e.getAttribute('data-x'), e.getAttribute('data-group'), e.getAttribute('data-chosen')]))).toEqual([
        ['100', '0', 'false'],
        ['400', '1', 'true'],
        ['402', '1', 'false'],
      ]);
      expect(await page.getByTestId('samples').textContent()).toContain('3 candidates, chosen by vote: #2 ran');
      const trace = await readTrace(join(dir, 'runs', runId));
      expect(trace.run.settings['reasoning']).toEqual({ samples: { n: 3, select: 'vote' } });
    });
  });
});
