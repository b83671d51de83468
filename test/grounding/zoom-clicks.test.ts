/**
 * deskpilot run --zoom-clicks on a real Chromium window on Xvfb: a click the model placed beside the
 * Add button misses it without zoom; with zoom, the second look at the crop around that point lands
 * it on the button, and the trace keeps both points and the crop. deskpilot bench --zoom-clicks does
 * the same for a task on its own display.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../agent/trace/reader.ts';
import { useFormDesktop } from '../support/chromium-page.ts';
import { deskpilot } from '../cli/cli.ts';

const desk = useFormDesktop();
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deskpilot-zoom-clicks-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const SLOW = 240_000;
const code = (s: string) => '## Action: click the Add button\n```python\n' + s + '\n```';
// The model's click: beside the button (its centre is 140, 170), on empty page.
const FIRST = { x: 300, y: 250 };

async function runWith(replies: string[], name: string, extra: string[]) {
  const script = join(root, `${name}.json`);
  await writeFile(script, JSON.stringify({ family: 'pyautogui', replies }));
  const out = join(root, name);
  await desk.form.reset();
  const result = await deskpilot(['run', 'press Add', '--model', `script:${script}`, '--display', desk.vd.display, '--out', out, ...extra]);
  return { result, out };
}

describe('deskpilot run --zoom-clicks', () => {
  it('without zoom the click misses the button', async () => {
    const { result } = await runWith([code(`pyautogui.click(${FIRST.x}, ${FIRST.y})`), 'DONE'], 'plain', []);
    expect(result.code).toBe(0);
    expect(await desk.form.state()).toMatchObject({ count: '0' });
  }, SLOW);

  it('with zoom the second look moves the click onto the button, and the trace records both looks', async () => {
    expect(desk.form.button).toEqual({ x: 140, y: 170 });
    // The crop is half the 800x600 screen around the first point: 400x300 at (100, 100); the second
    // look answers in the crop's own pixels, (40, 70) there being the button's centre.
    const { result, out } = await runWith(
      [code(`pyautogui.click(${FIRST.x}, ${FIRST.y})`), code('pyautogui.click(40, 70)'), 'DONE'],
      'zoomed',
      ['--zoom-clicks'],
    );
    expect(result.stderr).toMatch(/step 1: click \(140, 170\)/);
    expect(result.code).toBe(0);
    expect(await desk.form.state()).toMatchObject({ count: '1' });
    const trace = await readTrace(out);
    expect(trace.warnings).toEqual([]);
    expect(trace.run.settings['reasoning']).toEqual({ zoomClicks: true });
    const [click] = trace.steps[0]!.actions;
    expect(click!.model).toMatchObject({ kind: 'click', at: { x: FIRST.x, y: FIRST.y, unit: 'screen' } });
    expect(click!.screen).toMatchObject({ kind: 'click', at: { x: 140, y: 170 } });
    expect(click!.zoom).toMatchObject({ first: FIRST, crop: { x: 100, y: 100, width: 400, height: 300 } });
    expect(click!.zoom!.answer).toContain('pyautogui.click(40, 70)');
  }, SLOW);

  it('refuses --zoom-clicks with a replay: model', async () => {
    const r = await deskpilot(['run', 'x', '--model', `replay:${root}`, '--display', desk.vd.display, '--zoom-clicks']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('zoom-in clicks (--zoom-clicks) need a live model');
  }, SLOW);

  it('bench --zoom-clicks: the click of a task gets the second look, and its trace keeps both points', async () => {
    const suite = join(root, 'suite', 'zoom');
    const scripts = join(root, 'scripts');
    await mkdir(suite, { recursive: true });
    await mkdir(scripts, { recursive: true });
    await writeFile(join(suite, 'zoom-task.json'), JSON.stringify({ id: 'zoom-task', instruction: 'press Add', config: [], evaluator: { func: 'infeasible' } }));
    await writeFile(join(scripts, 'zoom-task.json'), JSON.stringify({ family: 'pyautogui', replies: [code('pyautogui.click(400, 300)'), code('pyautogui.click(40, 70)'), 'DONE'] }));
    const out = join(root, 'bench');
    const r = await deskpilot(['bench', join(root, 'suite'), '--model', `script:${scripts}`, '--out', out, '--zoom-clicks', '--max-steps', '3']);
    expect(r.code, r.stderr).toBe(0);
    const trace = await readTrace(join(out, 'zoom', 'zoom-task'));
    expect(trace.warnings).toEqual([]);
    expect(trace.run.settings['reasoning']).toEqual({ zoomClicks: true });
    const { display } = trace.steps[0]!.observation;
    const [click] = trace.steps[0]!.actions;
    // The crop is half the task's screen, centred on (400, 300) and kept inside it; the second look's
    // (40, 70) is in the crop's pixels.
    const crop = { width: display.width / 2, height: display.height / 2, x: Math.max(0, 400 - display.width / 4), y: Math.max(0, 300 - display.height / 4) };
    expect(click!.zoom).toMatchObject({ first: { x: 400, y: 300 }, crop });
    expect(click!.screen).toMatchObject({ kind: 'click', at: { x: crop.x + 40, y: crop.y + 70 } });
    expect(click!.execution?.ok).toBe(true);
  }, SLOW);
});
