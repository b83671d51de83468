/**
 * Run folders are input: `deskpilot serve` and its UI must survive and contain hostile ones. A damaged
 * run.json is listed as damaged instead of blanking the library; a bad steps.jsonl line is named
 * instead of blanking the replay view; the HTML report inlines no file from outside the run and
 * escapes every field; /files/ and /report/ follow no link out of the runs folder.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../agent/server/report.ts';
import type { RunInfo, StepRecord } from '../../agent/trace/types.ts';
import { writeFixtureRun } from './fixtures.ts';
import { launchChromium, SLOW, startServe, type ServeProcess } from './serve-process.ts';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let root: string;
let runsDir: string;
let outside: string;
const SECRET = 'TOP-SECRET-OUTSIDE-THE-RUNS-FOLDER';

async function editSteps(dir: string, edit: (lines: Record<string, unknown>[]) => void): Promise<void> {
  const file = join(dir, 'steps.jsonl');
  const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  edit(lines);
  await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deskpilot-hostile-traces-'));
  runsDir = join(root, 'runs');
  outside = join(root, 'outside');
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret.png'), SECRET);
  await writeFixtureRun(runsDir, 'good', 'A healthy run');
  // run.json whose status is a number.
  const damaged = await writeFixtureRun(runsDir, 'damaged-status', 'status is not a string');
  const info = JSON.parse(await readFile(join(damaged, 'run.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(damaged, 'run.json'), JSON.stringify({ ...info, status: 5 }));
  // steps.jsonl with a line that is not JSON and a line whose actions are not a list.
  const badLines = await writeFixtureRun(runsDir, 'bad-lines', 'two bad lines of four');
  const steps = (await readFile(join(badLines, 'steps.jsonl'), 'utf8')).trim().split('\n');
  steps[1] = '{"step": 2, this is not json';
  steps[2] = JSON.stringify({ ...JSON.parse(steps[2]!), actions: 'rm -rf ~' });
  await writeFile(join(badLines, 'steps.jsonl'), steps.join('\n') + '\n');
  // A trace that points its screenshot outside the run and puts markup in numeric fields.
  const forged = await writeFixtureRun(runsDir, 'forged', 'forged trace', 1);
  await editSteps(forged, ([first]) => {
    first!.screenshot = '../../outside/secret.png';
    first!.step = '1<meta http-equiv="refresh" content="0;url=https://evil.example">';
    (first!.observation as Record<string, unknown>).captureWidth = '320"><form action="https://evil.example"><input name="p">';
  });
  // Links out of the runs folder: a screenshot, and a whole run folder.
  const linked = await writeFixtureRun(runsDir, 'linked', 'a screenshot that is a link', 1);
  const shot = (await readdir(linked)).find((f) => f.endsWith('.png'))!;
  await rm(join(linked, shot));
  await symlink(join(outside, 'secret.png'), join(linked, shot));
  const elsewhere = await writeFixtureRun(outside, 'elsewhere', 'a run outside the runs folder', 1);
  await symlink(elsewhere, join(runsDir, 'link-to-elsewhere'));
  [serve, browser] = await Promise.all([startServe(runsDir), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await rm(root, { recursive: true, force: true });
});

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: serve.port, path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const token = () => `token=${serve.token}`;

describe('hostile run folders', () => {
  it('a damaged run.json is listed as damaged, and the other runs are still listed', async () => {
    await page.goto(`${serve.url}#/library`);
    const rows = page.getByTestId('run-row');
    await expect.poll(() => rows.allTextContents(), SLOW).toContainEqual(expect.stringContaining('A healthy run'));
    const texts = await rows.allTextContents();
    expect(texts).toContainEqual(expect.stringMatching(/unreadable run folder: .*run\.json: field "status"/));
    expect(texts).toContainEqual(expect.stringMatching(/unreadable run folder: link-to-elsewhere leads out of the runs folder/));
  });

  it('a bad steps.jsonl line is named; the steps before it are shown', async () => {
    await page.goto(`${serve.url}#/replay/bad-lines`);
    await expect.poll(() => page.getByTestId('position').textContent(), SLOW).toBe('Step 1 of 1');
    const warnings = await page.getByTestId('trace-warnings').textContent();
    expect(warnings).toMatch(/steps\.jsonl:2: is not valid JSON; this line and the ones after it are left out/);
  });

  it('the report inlines nothing from outside the run and escapes every field', async () => {
    const report = await get(`/report/forged.html?${token()}`);
    expect(report.status).toBe(200);
    expect(report.body).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(report.body).not.toMatch(/<meta http-equiv="refresh"|<form|<input/);
    const linked = await get(`/report/linked.html?${token()}`);
    expect(linked.status).toBe(200);
    expect(linked.body).not.toContain(Buffer.from(SECRET).toString('base64'));
  });

  it('renderReport escapes numeric fields and refuses a screenshot path out of the run, even unvalidated', async () => {
    const dir = join(runsDir, 'forged');
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as RunInfo;
    const [record] = (await readFile(join(dir, 'steps.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as StepRecord);
    const html = await renderReport(dir, { ...run, steps: '<a href="https://evil.example">x</a>' as never }, [record!]);
    expect(html).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(html).not.toMatch(/<meta http-equiv="refresh"|<form|<input|<a href/);
    expect(html).toContain('&lt;meta http-equiv=&quot;refresh&quot;');
  });

  it('/files/ and /report/ follow no link out of the runs folder', async () => {
    const shot = (await readdir(join(runsDir, 'linked'))).find((f) => f.endsWith('.png'))!;
    expect((await get(`/files/linked/${shot}?${token()}`)).status).toBe(404);
    const good = (await readdir(join(runsDir, 'good'))).find((f) => f.endsWith('.png'))!;
    expect((await get(`/files/good/${good}?${token()}`)).status).toBe(200);
    expect((await get(`/report/link-to-elsewhere.html?${token()}`)).status).toBe(404);
    expect((await get(`/report/good.html?${token()}`)).status).toBe(200);
  });
});
