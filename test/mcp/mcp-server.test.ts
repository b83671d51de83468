/**
 * End to end: the MCP SDK's own client talks to a real `deskpilot mcp` (a child process, over stdio)
 * that drives a real Chromium window on Xvfb with scripted models. run_task fills the form and leaves a
 * readable trace; screenshot is masked; a confirmation goes to the caller as elicitation (approved, then
 * declined) and is denied for a client without it; stop_run stops a run; bad arguments are answered
 * with what to do; the Streamable HTTP transport refuses a request without its token.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type CallToolResult, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../agent/image/png.ts';
import { readTrace } from '../../agent/trace/reader.ts';
import { useFormDesktop } from '../support/chromium-page.ts';

const BIN = fileURLToPath(new URL('../../bin/deskpilot.js', import.meta.url));
const SLOW = 120_000;
const POLL = { timeout: 30_000, interval: 100 };
/** A secret of the user's environment, typed by a run that needs confirmation: the caller must never see it. */
const SECRET = 'magic-word-4711';
const code = (line: string) => '```python\n' + line + '\n```';

const desktop = useFormDesktop();
let root: string;
let runsDir: string;
let args: string[];
let client: Client;
/** What the elicitation handler answers next; every question it was asked. */
let elicitAnswer: ElicitResult = { action: 'decline' };
const asked: string[] = [];
/** The server process behind each client. */
const pids = new Map<Client, number>();

async function script(name: string, replies: string[], delayMs = 0): Promise<string> {
  const file = join(root, `${name}.json`);
  await writeFile(file, JSON.stringify({ family: 'pyautogui', replies, delayMs }));
  return `script:${file}`;
}

async function connect(elicitation: boolean): Promise<Client> {
  const c = new Client({ name: 'deskpilot-test', version: '1.0.0' }, { capabilities: elicitation ? { elicitation: {} } : {} });
  if (elicitation) {
    c.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return elicitAnswer;
    });
  }
  const env = Object.fromEntries(Object.entries({ ...desktop.vd.env, MCP_TEST_PASSWORD: SECRET }).filter((e): e is [string, string] => e[1] !== undefined));
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...args], env, stderr: 'pipe' });
  await c.connect(transport);
  pids.set(c, transport.pid!);
  return c;
}

const textOf = (result: CallToolResult) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const imagesOf = (result: CallToolResult) => result.content.filter((c) => c.type === 'image');

function call(c: Client, name: string, args: Record<string, unknown>, onProgress?: (message: string) => void): Promise<CallToolResult> {
  return c.callTool({ name, arguments: args }, undefined, {
    timeout: SLOW,
    ...(onProgress ? { onprogress: (p: { message?: string }) => onProgress(p.message ?? '') } : {}),
  }) as Promise<CallToolResult>;
}

let models: { ground: string; form: string; confirm: string; slow: string; zoom: string };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deskpilot-mcp-'));
  runsDir = join(root, 'runs');
  const { input, button } = desktop.form;
  models = {
    ground: await script('ground', [code(`pyautogui.click(${button.x}, ${button.y})`)]),
    form: await script('form', [code(`pyautogui.click(${input.x}, ${input.y})`), code("pyautogui.typewrite('hello')"), code(`pyautogui.click(${button.x}, ${button.y})`), 'DONE']),
    confirm: await script('confirm', [code(`pyautogui.click(${input.x}, ${input.y})`), code(`pyautogui.typewrite('${SECRET}')`), 'DONE']),
    slow: await script('slow', Array.from({ length: 30 }, () => code('time.sleep(0.5)')), 500),
    // A click beside the Add button, then the second look's answer in the crop's pixels: the button.
    zoom: await script('zoom', [code('pyautogui.click(300, 250)'), code(`pyautogui.click(${button.x - 100}, ${button.y - 100})`), 'DONE']),
  };
  const policy = join(root, 'policy.yaml');
  await writeFile(policy, 'version: 1\nrules:\n  - id: test/needs-a-yes\n    decision: confirm\n    reason: the magic word needs a yes\n    when:\n      text: [magic-word]\n');
  args = ['--model', models.ground, '--model', models.form, '--model', models.confirm, '--model', models.slow, '--model', models.zoom, '--display', desktop.vd.display, '--runs-dir', runsDir, '--policy', policy, '--mask-region', '0,500,800,100'];
  client = await connect(true);
}, SLOW);

afterAll(async () => {
  await client?.close();
  await rm(root, { recursive: true, force: true });
});

describe('deskpilot mcp over stdio', () => {
  it('lists its tools with descriptions and schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_run', 'ground', 'list_runs', 'run_task', 'screenshot', 'stop_run']);
    for (const tool of tools) expect(tool.description!.length).toBeGreaterThan(60);
    const runTask = tools.find((t) => t.name === 'run_task')!;
    expect(runTask.inputSchema.required).toEqual(['instruction']);
    expect(JSON.stringify(runTask.inputSchema.properties)).toContain(models.form);
    expect(runTask.inputSchema.properties).toMatchObject({ zoom_clicks: { type: 'boolean' } });
  });

  it('run_task with zoom_clicks: the click beside the button gets a second look and presses it; the trace keeps both points', async () => {
    await desktop.form.reset();
    const result = await call(client, 'run_task', { instruction: 'press Add', model: models.zoom, zoom_clicks: true });
    expect(result.structuredContent).toMatchObject({ status: 'success', steps: 2 });
    expect((await desktop.form.state()).count).toBe('1');
    const trace = await readTrace((result.structuredContent as { trace: string }).trace);
    expect(trace.run.settings['reasoning']).toEqual({ zoomClicks: true });
    // The crop is half the 800x600 screen around (300, 250): 400x300 at (100, 100).
    expect(trace.steps[0]!.actions[0]).toMatchObject({
      model: { kind: 'click', at: { x: 300, y: 250 } },
      screen: { kind: 'click', at: desktop.form.button },
      zoom: { first: { x: 300, y: 250 }, crop: { x: 100, y: 100, width: 400, height: 300 } },
    });
  }, SLOW);

  it('run_task drives the page to success, streams progress and leaves a readable trace', async () => {
    await desktop.form.reset();
    const progress: string[] = [];
    const result = await call(client, 'run_task', { instruction: 'type hello and press Add', model: models.form }, (m) => progress.push(m));
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'success', steps: 4 });
    expect(await desktop.form.state()).toEqual({ name: 'hello', count: '1' });
    const runId = (result.structuredContent as { run_id: string }).run_id;
    expect(progress.some((m) => m.startsWith(`run ${runId} started`))).toBe(true);
    expect(progress).toContain('success');
    expect(progress.some((m) => /^step 3: click \(\d+, \d+\)/.test(m))).toBe(true);

    const trace = await readTrace((result.structuredContent as { trace: string }).trace);
    expect(trace.warnings).toEqual([]);
    expect(trace.run).toMatchObject({ status: 'success', steps: 4, settings: { safety: { confirm: 'ask', masks: { regions: 1 } } } });

    const listed = await call(client, 'list_runs', {});
    expect(textOf(listed)).toContain(`${runId}  success  4 steps  "type hello and press Add"`);
    const run = await call(client, 'get_run', { run_id: runId });
    expect(textOf(run)).toMatch(/step 2: type "hello"/);
    const step = await call(client, 'get_run', { run_id: runId, step: 3 });
    expect(textOf(step)).toContain(`- click (${desktop.form.button.x}, ${desktop.form.button.y}) safety=allow executed`);
    expect(imagesOf(step)).toHaveLength(1);
  }, SLOW);

  it('screenshot is the masked screen; ground finds the button and marks it', async () => {
    const shot = await call(client, 'screenshot', {});
    const [image] = imagesOf(shot);
    const rgb = await decodePng(Buffer.from((image as { data: string }).data, 'base64'));
    expect([rgb.width, rgb.height]).toEqual([800, 600]);
    const at = (x: number, y: number) => Array.from(rgb.data.subarray((y * rgb.width + x) * 3, (y * rgb.width + x) * 3 + 3));
    expect(at(400, 450)).toEqual([255, 255, 255]); // the page
    expect(at(400, 550)).toEqual([0, 0, 0]); // the masked band
    expect(at(10, 599)).toEqual([0, 0, 0]);

    const found = await call(client, 'ground', { description: 'the Add button' });
    expect(found.structuredContent).toMatchObject({ x: desktop.form.button.x, y: desktop.form.button.y, display: desktop.vd.display });
    const marked = await decodePng(Buffer.from((imagesOf(found)[0] as { data: string }).data, 'base64'));
    expect(marked.width).toBe(800);
  }, SLOW);

  it('asks the caller through elicitation: an approval types, a decline does not', async () => {
    await desktop.form.reset();
    elicitAnswer = { action: 'accept', content: { allow: true } };
    const progress: string[] = [];
    const approved = await call(client, 'run_task', { instruction: 'type the magic word', model: models.confirm }, (m) => progress.push(m));
    expect(approved.structuredContent).toMatchObject({ status: 'success' });
    expect(asked.at(-1)).toMatch(/safety rule test\/needs-a-yes asks before this action: type "\[REDACTED\]"\. Reason: the magic word needs a yes/);
    expect(progress.some((m) => m.startsWith('step 2: waiting for confirmation of type "[REDACTED]"'))).toBe(true);
    expect(JSON.stringify([asked, progress, approved])).not.toContain(SECRET);
    expect((await desktop.form.state()).name).toBe(SECRET);

    await desktop.form.reset();
    elicitAnswer = { action: 'decline' };
    const declined = await call(client, 'run_task', { instruction: 'type the magic word', model: models.confirm });
    expect(asked).toHaveLength(2);
    expect((await desktop.form.state()).name).toBe('');
    const trace = await readTrace((declined.structuredContent as { trace: string }).trace);
    expect(trace.steps[1]!.actions[0]!.safety).toMatchObject({ decision: 'confirm', rule: 'test/needs-a-yes', approved: false });
  }, SLOW);

  it('denies a confirmation when the client cannot be asked', async () => {
    await desktop.form.reset();
    const plain = await connect(false);
    try {
      const result = await call(plain, 'run_task', { instruction: 'type the magic word', model: models.confirm });
      expect((await desktop.form.state()).name).toBe('');
      const trace = await readTrace((result.structuredContent as { trace: string }).trace);
      expect(trace.run.settings['safety']).toMatchObject({ confirm: 'deny' });
      expect(trace.steps[1]!.actions[0]!.safety).toMatchObject({ decision: 'confirm', approved: false });
      expect(trace.steps[1]!.actions[0]!.execution).toBeUndefined();
    } finally {
      await plain.close();
    }
  }, SLOW);

  it('stop_run stops a run; a second run on the busy display is refused', async () => {
    let started: (id: string) => void;
    const id = new Promise<string>((resolve) => (started = resolve));
    const running = call(client, 'run_task', { instruction: 'wait a long time', model: models.slow }, (m) => {
      const match = /^run (\S+) started/.exec(m);
      if (match) started(match[1]!);
    });
    const runId = await id;
    const busy = await call(client, 'run_task', { instruction: 'something else', model: models.form });
    expect(busy.isError).toBe(true);
    expect(textOf(busy)).toContain(`run ${runId} is still driving display ${desktop.vd.display}; wait for its run_task to return, or call stop_run`);

    const stop = await call(client, 'stop_run', { run_id: runId });
    expect(stop.isError).toBeFalsy();
    const result = await running;
    expect(result.structuredContent).toMatchObject({ run_id: runId, status: 'stopped' });
    expect((await readTrace(join(runsDir, runId))).run.status).toBe('stopped');
    const again = await call(client, 'stop_run', { run_id: runId });
    expect(textOf(again)).toMatch(/is not running .*list_runs/);
  }, SLOW);

  it('the user stays in control: taking the mouse pauses a run until the user resumes it, the stop chord stops it', async () => {
    const progress: string[] = [];
    let started: (id: string) => void;
    const id = new Promise<string>((resolve) => (started = resolve));
    const running = call(client, 'run_task', { instruction: 'wait a long time', model: models.slow }, (m) => {
      progress.push(m);
      const match = /^run (\S+) started/.exec(m);
      if (match) started(match[1]!);
    });
    const status = async () => (await readTrace(join(runsDir, await id), { tolerant: true })).run.status;
    await expect.poll(status, POLL).toBe('running');
    execFileSync('xdotool', ['mousemove', '700', '300'], { env: desktop.vd.env });
    await expect.poll(status, POLL).toBe('paused');
    await expect.poll(() => progress, POLL).toContain('paused: the user took over the mouse or keyboard; the run waits until the user resumes it (or stop_run ends it)');
    process.kill(pids.get(client)!, 'SIGUSR1');
    await expect.poll(status, POLL).toBe('running');
    execFileSync('xdotool', ['key', 'ctrl+alt+Escape'], { env: desktop.vd.env });
    expect((await running).structuredContent).toMatchObject({ status: 'stopped' });
  }, SLOW);

  it('a client that goes away mid-run leaves the run stopped and its trace closed', async () => {
    const leaving = await connect(true);
    let started: (id: string) => void;
    const id = new Promise<string>((resolve) => (started = resolve));
    call(leaving, 'run_task', { instruction: 'wait a long time', model: models.slow }, (m) => {
      const match = /^run (\S+) started/.exec(m);
      if (match) started(match[1]!);
    }).catch(() => undefined);
    const runId = await id;
    await leaving.close();
    await expect.poll(async () => (await readTrace(join(runsDir, runId), { tolerant: true })).run.status, POLL).toBe('stopped');
  }, SLOW);

  it('answers bad arguments with what to do', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['run_task', { instruction: '  ' }, /instruction is empty; say what to do on the desktop/],
      ['run_task', { instruction: 'x', model: 'openai:http://elsewhere.example/v1#m' }, /model must be one of the models the user allowed: script:/],
      ['run_task', { instruction: 'x', max_steps: 1000 }, /max_steps must be at most 100; split a longer task/],
      ['run_task', { instruction: 'x', zoom_clicks: 'yes' }, /zoom_clicks must be true or false/],
      ['get_run', { run_id: '../../etc' }, /run_id must be a run id as run_task or list_runs gave it/],
      ['get_run', { run_id: 'no-such-run' }, /there is no run "no-such-run" in the runs folder; call list_runs/],
      ['screenshot', { display: 'not a display' }, /display must be an X display name like ":0"/],
      ['screenshot', { display: ':987' }, /cannot capture display :987: .*pass a display this machine has/],
      ['stop_run', {}, /run_id/],
    ];
    for (const [tool, input, message] of cases) {
      const result = await call(client, tool, input);
      expect(result.isError, `${tool} ${JSON.stringify(input)}`).toBe(true);
      expect(textOf(result)).toMatch(message);
    }
  }, SLOW);
});

describe('deskpilot mcp --http', () => {
  let child: ChildProcess;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('refuses a request without the token, serves one with it, and asks its confirmations on the call\'s stream', async () => {
    child = spawn(process.execPath, [BIN, 'mcp', '--http', ...args], { env: desktop.vd.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        const match = /Streamable HTTP\): (\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`deskpilot mcp --http exited with ${code}`)));
    });
    const endpoint = url.replace(/\?.*$/, '');
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
    const refused = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(initialize) });
    expect(refused.status).toBe(401);
    const wrong = await fetch(endpoint, { method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(initialize) });
    expect(wrong.status).toBe(401);

    const token = new URL(url).searchParams.get('token')!;
    const authorized = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const huge = await fetch(endpoint, { method: 'POST', headers: authorized, body: '['.repeat(5 * 1024 * 1024) });
    expect([huge.status, await huge.text()]).toEqual([400, expect.stringContaining('request body over 4194304 bytes')]);
    const stranger = await fetch(endpoint, { method: 'POST', headers: { ...authorized, 'mcp-session-id': 'made-up' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(stranger.status).toBe(404);
    const http = new Client({ name: 'deskpilot-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const questions: string[] = [];
    http.setRequestHandler(ElicitRequestSchema, async (request) => {
      questions.push(request.params.message);
      return { action: 'accept', content: { allow: true } };
    });
    await http.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const { tools } = await http.listTools();
    expect(tools).toHaveLength(6);
    // The confirmation travels on the call's own stream.
    await desktop.form.reset();
    const approved = await call(http, 'run_task', { instruction: 'type the magic word', model: models.confirm });
    expect(approved.structuredContent).toMatchObject({ status: 'success' });
    expect(questions).toHaveLength(1);
    expect((await desktop.form.state()).name).toBe(SECRET);
    const listed = await call(http, 'list_runs', { limit: 1 });
    expect(textOf(listed)).toBe(`${(approved.structuredContent as { run_id: string }).run_id}  success  3 steps  "type the magic word"`);
    await http.close();
  }, SLOW);
});
