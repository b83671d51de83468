/**
 * A scripted run started from the UI drives a real Xvfb desktop, once through `deskpilot serve` (the
 * WebSocket) and once through the real Electron main process on the bridge (IPC): its steps stream into
 * the Live screen while it runs, the safety confirmation shows the action on the screenshot and the
 * user's answer is honoured, pause, resume and Stop work, and a recorded run re-runs from step N.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
let xterm: ChildProcess | undefined;

beforeAll(async () => {
  display = await startVirtualDisplay({ size: '800x600', windowManager: false });
  // Something to look at in the saved screenshots.
  xterm = spawn('xterm', ['-geometry', '80x20+40+40'], { env: display.env, stdio: 'ignore' });
});

afterAll(async () => {
  xterm?.kill();
  await display?.dispose();
});

describe.each(TRANSPORTS)('live run from the UI over %s', (transport) => {
  let ui: UiSession;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deskpilot-live-'));
    ui = await openUiSession(transport, join(dir, 'runs'), display.env);
    page = ui.page;
  });

  afterAll(async () => {
    await ui?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, replies: string[], delayMs: number): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, JSON.stringify({ family: 'pyautogui', replies, delayMs }));
    return file;
  }

  async function startFromUi(instruction: string, model: string, history?: { images: string; scale: string; mode: string }): Promise<string> {
    await ui.open('run');
    await page.getByTestId('instruction').fill(instruction);
    await page.getByTestId('model').fill(model);
    await page.getByTestId('display').fill(display.display);
    if (history) {
      await page.getByTestId('history-images').fill(history.images);
      await page.getByTestId('history-scale').selectOption(history.scale);
      await page.getByTestId('history-mode').selectOption(history.mode);
    }
    await page.getByTestId('start').click();
    await page.waitForURL(/#\/live\//, { timeout: 30_000 });
    return decodeURIComponent(page.url().split('#/live/')[1]);
  }

  describe('the Live screen', () => {
    it('streams steps live, asks for confirmation with the action drawn, and records the answer', async () => {
      const replies = ['```python\npyautogui.click(200, 150)\n```', "```python\npyautogui.typewrite('rm -rf /tmp/not-there')\n```", 'DONE'];
      const runId = await startFromUi('Click, then try a risky command', `script:${await script('confirm.json', replies, 1500)}`, { images: '2', scale: '0.5', mode: 'stable' });
      const rows = page.getByTestId('timeline-row');
      // Step 1 appears while the run is still going: the event stream, not a reload after the end.
      await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
      expect(await page.getByTestId('status').first().textContent()).toMatch(/running|awaiting confirmation/);
      await expect.poll(() => page.getByTestId('overlay-click').first().getAttribute('data-x'), SLOW).toBe('200');

      const dialog = page.getByTestId('confirm-dialog');
      await dialog.waitFor({ timeout: 30_000 });
      expect(await dialog.textContent()).toContain('text/destructive-shell');
      expect(await dialog.getByTestId('overlay-text').textContent()).toContain('rm -rf /tmp/not-there');
      // The question says what would run, in words, not only the action's kind.
      expect(await dialog.getByTestId('confirm-action').textContent()).toBe('type "rm -rf /tmp/not-there"');
      await ui.saveScreen('confirm');
      // The question waits in the host: a reloaded window asks it again.
      await page.reload();
      await dialog.waitFor({ timeout: 30_000 });
      expect(await dialog.textContent()).toContain('text/destructive-shell');
      await dialog.getByTestId('deny').click();

      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('success');
      expect(await rows.count()).toBe(3);
      await ui.saveScreen('live');

      const trace = await readTrace(join(dir, 'runs', runId));
      expect(trace.run.status).toBe('success');
      expect(trace.run.settings.history).toEqual({ images: 2, scale: 0.5, mode: 'stable' });
      expect(trace.steps.map((s) => s.actions[0]?.screen.kind)).toEqual(['click', 'type', 'done']);
      expect(trace.steps[1].actions[0].safety).toMatchObject({ decision: 'confirm', rule: 'text/destructive-shell', approved: false });
    });

    it('pauses, resumes and stops a run from the Live screen', async () => {
      const replies = Array.from({ length: 20 }, () => 'WAIT');
      await startFromUi('Wait forever', `script:${await script('slow.json', replies, 1000)}`);
      await expect.poll(() => page.getByTestId('timeline-row').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
      await page.getByTestId('pause').click();
      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('paused');
      const whilePaused = await page.getByTestId('timeline-row').count();
      await new Promise((r) => setTimeout(r, 2500));
      expect(await page.getByTestId('timeline-row').count()).toBe(whilePaused);
      await page.getByTestId('resume').click();
      await expect.poll(() => page.getByTestId('timeline-row').count(), { timeout: 30_000 }).toBeGreaterThan(whilePaused);
      await page.getByTestId('stop').click();
      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('stopped');
      expect(await page.getByTestId('timeline-row').count()).toBeLessThan(20);
    });

    it('re-runs a recorded run from step N: the screen actions of the earlier steps are performed again first, into the new trace', async () => {
      const file = await script('rerun.json', ['```python\npyautogui.click(300, 200)\n```', 'DONE'], 200);
      const firstId = await startFromUi('Click the middle', `script:${file}`);
      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('success');
      // The model now answers DONE at once, so only the replayed step 1 can move the pointer.
      await writeFile(file, JSON.stringify({ family: 'pyautogui', replies: ['DONE'] }));
      execFileSync('xdotool', ['mousemove', '5', '5'], { env: display.env });
      await ui.open(`replay/${firstId}`);
      await expect.poll(() => page.getByTestId('position').textContent(), SLOW).toBe('Step 1 of 2');
      await page.keyboard.press('ArrowRight');
      await page.getByTestId('rerun').click();
      await page.waitForURL((url) => url.hash.startsWith('#/live/') && !url.hash.endsWith(firstId), { timeout: 30_000 });
      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('success');
      const secondId = decodeURIComponent(page.url().split('#/live/')[1]);
      const trace = await readTrace(join(dir, 'runs', secondId));
      expect(trace.run.settings).toMatchObject({ replay: { dir: join(dir, 'runs', firstId), fromStep: 1, steps: 1 } });
      // The replayed step is in the new trace, reviewed like the model's own actions.
      expect(trace.steps.map((s) => s.actions[0]?.screen.kind)).toEqual(['click', 'done']);
      expect(trace.steps[0].actions[0].safety).toEqual({ decision: 'allow' });
      expect(execFileSync('xdotool', ['getmouselocation'], { env: display.env, encoding: 'utf8' })).toMatch(/^x:300 y:200 /);
    });
  });
});
