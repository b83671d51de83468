/**
 * The UI in headless Chromium, once over the WebSocket to a real `deskpilot serve` and once over IPC in
 * the real Electron main process on the bridge: trace library, replay with overlays and arrow keys,
 * task-run scores with drill-in, settings. Saves a screenshot of each screen to artifacts/screens/.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeFixtureBench, writeFixtureRun } from './fixtures.ts';
import { SLOW } from './serve-process.ts';
import { openUiSession, TRANSPORTS, type UiSession } from './ui-session.ts';

vi.mock('electron', () => import('../support/electron-bridge/electron-api.ts'));

const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe.each(TRANSPORTS)('the UI over %s', (transport) => {
  let ui: UiSession;
  let page: Page;
  /** Everything the page logged as an error, over the whole file; the last test expects none. */
  const consoleErrors: string[] = [];
  let root: string;
  let modelsDir: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'deskpilot-ui-'));
    const runsDir = join(root, 'runs');
    await writeFixtureRun(runsDir, '20261129-040000-aaaaaa', 'Open the editor and type hello world');
    await writeFixtureRun(runsDir, '20261129-040500-bbbbbb', 'Rename the report file', 2);
    await writeFixtureRun(runsDir, '20261129-041000-cccccc', 'A very long run', 500);
    await writeFixtureBench(runsDir, 'bench-20261129-040000-dddddd');
    // A model package is a folder with a manifest.json; the picker offers what it finds.
    const models = join(root, 'models');
    await mkdir(join(models, 'kimi-vl-a3b-int4'), { recursive: true });
    await writeFile(join(models, 'kimi-vl-a3b-int4', 'manifest.json'), '{}');
    ui = await openUiSession(transport, runsDir, { DESKPILOT_MODELS: models });
    modelsDir = models;
    page = ui.page;
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterAll(async () => {
    await ui?.close();
    await rm(root, { recursive: true, force: true });
  });

  const open = (hash: string) => ui.open(hash);

  describe('trace library and replay', () => {
    it('lists every run with its status, and filters and searches', async () => {
      await open('library');
      const rows = page.getByTestId('run-row');
      await expect.poll(() => rows.count(), SLOW).toBe(3);
      await page.getByTestId('search').fill('rename');
      await expect.poll(() => rows.count(), SLOW).toBe(1);
      await expect.poll(() => rows.first().textContent(), SLOW).toContain('Rename the report file');
      await page.getByTestId('search').fill('');
      await page.getByTestId('status-filter').selectOption('failure');
      await expect.poll(() => rows.count(), SLOW).toBe(0);
      await page.getByTestId('status-filter').selectOption('success');
      await expect.poll(() => rows.count(), SLOW).toBe(3);
      await ui.saveScreen('library');
    });

    it('steps through a recorded trace with the arrow keys, drawing each step\'s actions', async () => {
      await open('replay/20261129-040000-aaaaaa');
      const detail = page.getByTestId('step-detail');
      await expect.poll(() => detail.getAttribute('data-step'), SLOW).toBe('1');
      // Step 1: a click at capture (80,100): the ring is drawn there, not at the screen point (160,200).
      const click = page.getByTestId('overlay-click');
      await expect.poll(() => click.getAttribute('data-x'), SLOW).toBe('80');
      expect(await click.getAttribute('data-y')).toBe('100');
      // All three coordinate spaces are listed.
      const cells = await page.getByTestId('actions').locator('tbody td').allTextContents();
      expect(cells.slice(0, 3)).toEqual(['click (0.25, 0.5 relative)', 'click (80, 100)', 'click (160, 200)']);
      // The screenshot loads by URL (no image bytes in the protocol).
      const href = (await page.getByTestId('screenshot').locator('image').getAttribute('href')) ?? '';
      const loaded = await page.evaluate(async (href) => {
        const res = await fetch(href);
        return { href, status: res.status, type: res.headers.get('content-type') };
      }, href);
      expect(loaded.href).toMatch(ui.screenshotHref);
      expect(loaded.href).toMatch(/^\/files\/20261129-040000-aaaaaa\/step_1_/);
      expect(loaded).toMatchObject({ status: 200, type: 'image/png' });
      await ui.saveScreen('replay');

      // What the model's step cost, as the trace recorded it.
      expect(await page.getByTestId('model-figures').textContent()).toBe('model: 4312 prompt tokens (3200 cached) · vision 1.2 s · prefill 2.5 s · decode 15.0 tok/s');

      await page.keyboard.press('ArrowRight');
      await expect.poll(() => detail.getAttribute('data-step'), SLOW).toBe('2');
      await expect.poll(() => page.getByTestId('overlay-text').textContent(), SLOW).toContain('type "hello world"');
      expect(await page.getByTestId('model-figures').count()).toBe(0);
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => detail.getAttribute('data-step'), SLOW).toBe('3');
      expect(await page.getByTestId('overlay-drag').count()).toBe(1);
      expect(await page.getByTestId('overlay-scroll').count()).toBe(1);
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => detail.getAttribute('data-step'), SLOW).toBe('2');
      expect(await page.getByTestId('raw').textContent()).toContain('step 2 raw reply');
    });

    it('keeps a 500-step timeline windowed and follows the selection', async () => {
      await open('replay/20261129-041000-cccccc');
      await expect.poll(() => page.getByTestId('position').textContent(), SLOW).toBe('Step 1 of 500');
      const rendered = await page.getByTestId('timeline-row').count();
      expect(rendered).toBeGreaterThan(5);
      expect(rendered).toBeLessThan(40);
      await page.keyboard.press('End');
      await expect.poll(() => page.getByTestId('position').textContent(), SLOW).toBe('Step 500 of 500');
      await expect.poll(() => page.locator('.tl-row.selected').textContent(), SLOW).toMatch(/^500/);
      expect(await page.getByTestId('timeline-row').count()).toBeLessThan(40);
    });

    it('exports a self-contained HTML report with the screenshots inlined', async () => {
      await open('replay/20261129-040500-bbbbbb');
      const href = await page.getByTestId('export').getAttribute('href');
      const html = await page.evaluate(async (url) => (await fetch(url ?? '')).text(), href);
      expect(html).toContain('Rename the report file');
      // The report names actions as the step view does, in all three spaces.
      expect(html).toContain('<td>click (0.25, 0.5 relative)</td><td>click (80, 100)</td><td>click (160, 200)</td>');
      expect(html.match(/<image href="data:image\/png;base64,/g)?.length).toBe(2);
      expect(html).not.toMatch(/(src|href)="(https?:|\/)/);
      expect(html).not.toContain('<script');
    });
  });

  describe('task runs', () => {
    it('shows a finished bench run\'s per-domain scores and drills into a task trace', async () => {
      await open('tasks');
      await expect.poll(() => page.getByTestId('overall').textContent(), SLOW).toBe('66.7%');
      expect(await page.getByTestId('bench-progress').textContent()).toBe('3 / 3 tasks');
      const domains = await page.getByTestId('domain-scores').locator('tbody tr').allTextContents();
      expect(domains.sort()).toEqual(['chrome100.0%1', 'os50.0%2']);
      await ui.saveScreen('tasks');
      await page.getByRole('link', { name: 'task-chrome-1' }).click();
      await expect.poll(() => page.getByTestId('position').textContent(), SLOW).toBe('Step 1 of 2');
      expect(page.url()).toContain('#/replay/bench-20261129-040000-dddddd/chrome/task-chrome-1');
    });
  });

  describe('task runs started from the UI', () => {
    it('runs a one-task suite with the real bench runner, showing progress then the score', { timeout: 150_000 }, async () => {
      const suite = join(root, 'suite');
      await mkdir(suite, { recursive: true });
      await copyFile(join(REPO, 'tasks/examples/os/os-infeasible-brightness.json'), join(suite, 'os-infeasible-brightness.json'));
      await open('tasks');
      await page.getByTestId('suite').fill(suite);
      await page.getByTestId('bench-model').fill(`script:${join(REPO, 'tasks/oracles')}`);
      await page.getByRole('button', { name: 'Start bench run' }).click();
      await page.waitForURL(/#\/tasks\/bench-/);
      const detail = page.getByTestId('bench-detail');
      await expect.poll(() => detail.locator('.badge').textContent(), SLOW).toBe('running');
      await expect.poll(() => detail.locator('.badge').textContent(), { timeout: 120_000, interval: 1000 }).toBe('finished');
      expect(await page.getByTestId('overall').textContent()).toBe('100.0%');
      expect(await page.getByTestId('bench-progress').textContent()).toBe('1 / 1 tasks');
      await page.getByRole('link', { name: 'os-infeasible-brightness' }).click();
      await expect.poll(() => page.getByTestId('position').textContent(), SLOW).toMatch(/^Step 1 of \d+$/);
    });
  });

  describe('a bench run that cannot start', () => {
    it('names the missing suite instead of starting', async () => {
      await open('tasks');
      await page.getByTestId('suite').fill(join(root, 'no-such-suite'));
      await page.getByTestId('bench-model').fill('script:/nowhere');
      await page.getByRole('button', { name: 'Start bench run' }).click();
      await expect.poll(() => page.getByTestId('tasks-screen').locator('.error').textContent(), SLOW).toContain(`no task index or folder at ${join(root, 'no-such-suite')}`);
      await page.reload();
      await expect.poll(() => page.locator('.bench-list li').count(), SLOW).toBeGreaterThan(0);
      expect(await page.locator('.bench-list').textContent()).not.toContain('no-such-suite');
    });
  });

  describe('run and settings screens', () => {
    it('shows the run form and the host settings', async () => {
      await open('run');
      await expect.poll(() => page.getByTestId('start').isDisabled(), SLOW).toBe(true);
      const offered = () => page.locator('#model-packages option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
      await expect.poll(offered, SLOW).toEqual([`kimi-vl:${join(modelsDir, 'kimi-vl-a3b-int4')}`]);
      await page.getByTestId('instruction').fill('Open the text editor');
      await page.getByTestId('model').fill('script:/nonexistent.json');
      expect(await page.getByTestId('start').isDisabled()).toBe(false);
      await ui.saveScreen('run');
      // A model that cannot be opened is reported on the form; no run folder is left behind.
      await page.getByTestId('start').click();
      await expect.poll(() => page.getByTestId('run-error').textContent(), SLOW).toContain('/nonexistent.json');
      expect(page.url()).toContain('#/run');
      await open('library');
      await expect.poll(() => page.getByTestId('run-row').count(), SLOW).toBe(3);
      await open('settings');
      await expect.poll(() => page.getByTestId('providers').textContent(), SLOW).toContain('cpu');
      expect(await page.getByTestId('safety-rules').locator('tr').count()).toBeGreaterThan(0);
      const saved = await readFile(await ui.saveScreen('settings'));
      expect(saved.subarray(1, 4).toString()).toBe('PNG');
    });
  });

  describe('the console', () => {
    it('stays free of errors on every screen, from the first load on', async () => {
      // A fresh load of each screen, as a user opening the printed URL gets it.
      for (const hash of ['library', 'replay/20261129-040000-aaaaaa', 'tasks', 'run', 'settings']) {
        await page.goto('about:blank');
        await open(hash);
        await expect.poll(() => page.locator('nav').count(), SLOW).toBeGreaterThan(0);
        await page.waitForLoadState('networkidle');
      }
      expect(consoleErrors).toEqual([]);
    });
  });
});
