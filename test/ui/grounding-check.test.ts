/**
 * Grounding from the UI (real Xvfb, headless Chromium), once over the WebSocket to `deskpilot serve`
 * and once over IPC in the real Electron main process on the bridge: the Settings screen's grounding
 * check on the host's own screen, scored exactly with scripted models whose answers are known
 * (progress, each label's hit or miss, the model, the times; the errors a user can cause), and the Run
 * form's "Zoom in before clicks" and the Tasks screen's, whose runs record both points of a click.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { groundingMarks, type GroundingMark } from '../../agent/doctor/grounding.ts';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import type { AgentEvent, GroundingProgressP } from '../../agent/protocol/messages.ts';
import { readTrace } from '../../agent/trace/reader.ts';
import { SLOW } from './serve-process.ts';
import { openUiSession, TRANSPORTS, type UiSession } from './ui-session.ts';

vi.mock('electron', () => import('../support/electron-bridge/electron-api.ts'));

const SCREEN = { width: 800, height: 600 };
let display: VirtualDisplay;

beforeAll(async () => {
  display = await startVirtualDisplay({ size: `${SCREEN.width}x${SCREEN.height}`, windowManager: false });
});

afterAll(async () => {
  await display?.dispose();
});

/** Kimi's grounding answer for a point of the screen. */
const kimiPoint = (x: number, y: number, size = SCREEN) => `(x=${(x / size.width).toFixed(4)}, y=${(y / size.height).toFixed(4)})`;
const centre = (m: GroundingMark) => ({ x: m.x + m.width / 2, y: m.y + m.height / 2 });

/** A display number with no X server. */
function absentDisplay(): string {
  let n = 3900;
  while (existsSync(`/tmp/.X11-unix/X${n}`)) n++;
  return `:${n}`;
}

describe.each(TRANSPORTS)('grounding from the UI over %s', (transport) => {
  let ui: UiSession;
  let page: Page;
  let dir: string;
  /** What the host told a second client, beside the page. */
  let events: AgentEvent[];
  const progress = (): GroundingProgressP[] => events.flatMap((e) => (e.type === 'grounding.progress' ? [e.progress] : []));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deskpilot-grounding-ui-'));
    ui = await openUiSession(transport, join(dir, 'runs'), display.env);
    page = ui.page;
    events = await ui.recordEvents();
  }, 240_000);

  afterAll(async () => {
    await ui?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, family: string, replies: string[], delayMs = 0): Promise<string> {
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify({ family, replies, delayMs }));
    return `script:${file}`;
  }

  async function checkFromSettings(model: string, options: { display?: string; zoom?: boolean } = {}): Promise<void> {
    await ui.open('settings');
    await page.getByTestId('grounding-model').fill(model);
    await page.getByTestId('grounding-display').fill(options.display ?? display.display);
    if (options.zoom) await page.getByTestId('grounding-zoom').check();
    await page.getByTestId('grounding-start').click();
  }

  const targetRows = () =>
    page.getByTestId('grounding-result').getByTestId('grounding-target').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-label'), r.getAttribute('data-hit'), r.textContent]));

  describe('the Settings screen grounding check', () => {
    it('scores a model that finds three of five labels exactly, with progress, each label, the model and the times', async () => {
      const marks = groundingMarks(SCREEN);
      expect(marks.map((m) => m.text)).toEqual(['K7', 'Q3', 'M5', 'B8', 'X2']);
      // K7, Q3 and X2 found; M5 answered in the far corner; B8 not found at all.
      const replies = marks.map((m) => (m.text === 'M5' ? kimiPoint(8, 6) : m.text === 'B8' ? 'I cannot see it.' : kimiPoint(centre(m).x, centre(m).y)));
      const model = await script('three-of-five', 'kimi', replies, 400);
      events.length = 0;
      await checkFromSettings(model);
      await page.getByTestId('grounding-progress').waitFor({ timeout: 30_000 });
      await expect.poll(() => page.getByTestId('grounding-score').textContent(), { timeout: 60_000 }).toBe('Found 3 of 5 labels (60%)');
      expect(await page.getByTestId('grounding-progress').count()).toBe(0);
      await ui.saveScreen('settings-grounding', page.getByTestId('grounding-check'));
      expect(await targetRows()).toEqual([
        ['K7', 'true', expect.stringMatching(/^K7hit\(\d+, \d+\)/)],
        ['Q3', 'true', expect.stringMatching(/^Q3hit/)],
        ['M5', 'false', expect.stringMatching(/^M5miss\(8, 6\)/)],
        ['B8', 'false', expect.stringMatching(/^B8missno point/)],
        ['X2', 'true', expect.stringMatching(/^X2hit/)],
      ]);
      const facts = await page.getByTestId('grounding-facts').textContent();
      expect(facts).toContain(model);
      expect(facts).toContain(`display ${display.display} 800×600`);
      expect(await page.getByTestId('grounding-timings').textContent()).toMatch(/^capture \d.* · model load \d.* · grounding \d.* · total \d/);
      // The host told every client how far it was: the capture, the model, then each label as it was looked for.
      // (Polled: that client is not the page, so its last event may land just after the page's reply.)
      await expect.poll(() => progress().map((p) => `${p.stage} ${p.done}/${p.total}`), SLOW).toEqual(['capture 0/5', 'model 0/5', 'labels 0/5', 'labels 1/5', 'labels 2/5', 'labels 3/5', 'labels 4/5', 'labels 5/5']);
      expect(progress().flatMap((p) => (p.target ? [`${p.target.label} ${p.target.hit}`] : []))).toEqual(['K7 true', 'Q3 true', 'M5 false', 'B8 false', 'X2 true']);
    }, 120_000);

    it('with the zoomed second look: a first look beside a label becomes a hit, and both points are shown', async () => {
      const marks = groundingMarks(SCREEN);
      const replies: string[] = [];
      for (const m of marks) {
        // The first look lands 40 px below the label; the crop is half the screen around it, kept inside.
        const first = { x: centre(m).x, y: centre(m).y + 40 };
        const crop = { x: Math.min(Math.max(0, Math.round(first.x - 200)), 400), y: Math.min(Math.max(0, Math.round(first.y - 150)), 300), width: 400, height: 300 };
        const second = m.text === 'Q3' ? first : centre(m); // Q3's second look stays put: still a miss
        replies.push(kimiPoint(first.x, first.y), kimiPoint(second.x - crop.x, second.y - crop.y, crop));
      }
      await checkFromSettings(await script('zoom', 'kimi', replies), { zoom: true });
      await expect.poll(() => page.getByTestId('grounding-score').textContent(), { timeout: 60_000 }).toBe('Found 4 of 5 labels (80%)');
      expect(await page.getByTestId('grounding-facts').textContent()).toContain('with a second, zoomed look');
      const rows = await targetRows();
      expect(rows.map(([label, hit]) => `${label} ${hit}`)).toEqual(['K7 true', 'Q3 false', 'M5 true', 'B8 true', 'X2 true']);
      // The K7 row: the point after the second look, then the first look's point 40 px lower.
      const k7 = centre(marks[0]!);
      expect(rows[0]![2]).toContain(`hit(${Math.round(k7.x)}, ${Math.round(k7.y)})(${Math.round(k7.x)}, ${Math.round(k7.y + 40)})`);
    }, 120_000);

    it('says what is wrong: no model, a display with no X server, a model that cannot be opened', async () => {
      await ui.open('settings');
      await page.getByTestId('grounding-model').fill('');
      expect(await page.getByTestId('grounding-start').isDisabled()).toBe(true);
      expect(await ui.command({ type: 'grounding.check', model: ' ' })).toMatchObject({ ok: false, error: expect.stringContaining('pick a model') });

      const absent = absentDisplay();
      await checkFromSettings(await script('unused', 'kimi', []), { display: absent });
      await expect.poll(() => page.getByTestId('grounding-error').textContent(), { timeout: 60_000 }).toContain(`cannot capture the screen of display ${absent}`);
      expect(await page.getByTestId('grounding-result').count()).toBe(0);

      const missing = join(dir, 'no-such-replies.json');
      await checkFromSettings(`script:${missing}`);
      await expect.poll(() => page.getByTestId('grounding-error').textContent(), { timeout: 60_000 }).toContain(`cannot open the model script:${missing}`);
      expect(await page.getByTestId('grounding-error').textContent()).toContain(missing);
    }, 120_000);

    it('runs one check at a time, and Stop ends it', async () => {
      const marks = groundingMarks(SCREEN);
      await checkFromSettings(await script('slow', 'kimi', marks.map((m) => kimiPoint(centre(m).x, centre(m).y)), 20_000));
      await expect.poll(() => page.getByTestId('grounding-progress').getAttribute('data-stage'), SLOW).toBe('labels');
      expect(await ui.command({ type: 'grounding.check', model: 'script:/elsewhere.json' })).toMatchObject({ ok: false, error: expect.stringContaining('already running') });
      await page.getByTestId('grounding-stop').click();
      await expect.poll(() => page.getByTestId('grounding-error').textContent(), SLOW).toBe('the grounding check was stopped');
      expect(await ui.command({ type: 'grounding.stop' })).toMatchObject({ ok: true, result: { stopped: false } });
    }, 120_000);
  });

  describe('the Run form\'s zoom-in clicks', () => {
    it('starts a run whose clicks get a second look, and the step shows both points', async () => {
      const code = (line: string) => '## Action: click the Add button\n```python\n' + line + '\n```';
      // The model clicks (300, 250); the crop is half the screen around it, 400x300 at (100, 100), and
      // the second look answers (40, 70) in the crop's pixels: (140, 170) on the screen.
      const model = await script('zoom-run', 'pyautogui', [code('pyautogui.click(300, 250)'), code('pyautogui.click(40, 70)'), 'DONE']);
      await ui.open('run');
      await page.getByTestId('instruction').fill('press Add');
      await page.getByTestId('model').fill(model);
      await page.getByTestId('display').fill(display.display);
      await page.getByTestId('zoom-clicks').check();
      await page.getByTestId('start').click();
      await page.waitForURL(/#\/live\//, { timeout: 30_000 });
      const runId = decodeURIComponent(page.url().split('#/live/')[1]!);
      await expect.poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 }).toBe('success');
      await page.getByTestId('timeline-row').first().click();
      await expect.poll(() => page.getByTestId('zoom').textContent(), SLOW).toBe('Zoomed click: the model pointed at (300, 250); a second look at the 400×300 crop at (100, 100) gave click (140, 170)');

      const trace = await readTrace(join(dir, 'runs', runId));
      expect(trace.run.settings['reasoning']).toEqual({ zoomClicks: true });
      const [click] = trace.steps[0]!.actions;
      expect(click!.model).toMatchObject({ kind: 'click', at: { x: 300, y: 250 } });
      expect(click!.screen).toMatchObject({ kind: 'click', at: { x: 140, y: 170 } });
      expect(click!.zoom).toMatchObject({ first: { x: 300, y: 250 }, crop: { x: 100, y: 100, width: 400, height: 300 } });
    }, 120_000);
  });

  describe('the Tasks screen\'s zoom-in clicks', () => {
    it('starts a bench run whose task clicks get a second look', { timeout: 150_000 }, async () => {
      const suite = join(dir, 'suite');
      const scripts = join(dir, 'oracles');
      await mkdir(join(suite, 'zoom'), { recursive: true });
      await mkdir(scripts, { recursive: true });
      await writeFile(join(suite, 'zoom', 'zoom-task.json'), JSON.stringify({ id: 'zoom-task', instruction: 'press Add', config: [], evaluator: { func: 'infeasible' } }));
      const code = (line: string) => '```python\n' + line + '\n```';
      await writeFile(join(scripts, 'zoom-task.json'), JSON.stringify({ family: 'pyautogui', replies: [code('pyautogui.click(400, 300)'), code('pyautogui.click(40, 70)'), 'DONE'] }));
      await ui.open('tasks');
      await page.getByTestId('suite').fill(suite);
      await page.getByTestId('bench-model').fill(`script:${scripts}`);
      await page.getByTestId('bench-zoom-clicks').check();
      await page.getByRole('button', { name: 'Start bench run' }).click();
      await page.waitForURL(/#\/tasks\/bench-/);
      const benchId = decodeURIComponent(page.url().split('#/tasks/')[1]!);
      await expect.poll(() => page.getByTestId('bench-detail').locator('.badge').textContent(), { timeout: 120_000, interval: 1000 }).toBe('finished');

      const trace = await readTrace(join(dir, 'runs', benchId, 'zoom', 'zoom-task'));
      expect(trace.run.settings['reasoning']).toEqual({ zoomClicks: true });
      const { display: screen } = trace.steps[0]!.observation;
      // Half the task's screen around (400, 300), kept inside it; (40, 70) is in the crop's pixels.
      const crop = { width: screen.width / 2, height: screen.height / 2, x: Math.max(0, 400 - screen.width / 4), y: Math.max(0, 300 - screen.height / 4) };
      expect(trace.steps[0]!.actions[0]).toMatchObject({ zoom: { first: { x: 400, y: 300 }, crop }, screen: { kind: 'click', at: { x: crop.x + 40, y: crop.y + 70 } } });
    });
  });
});
