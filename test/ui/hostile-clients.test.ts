/**
 * A misbehaving client cannot take `deskpilot serve` down: a frame over the size limit or of invalid
 * UTF-8 closes that client's socket with the matching close code, while the server stays up and a run
 * it is driving on a real Xvfb desktop carries on and ends with its own status. The UI says so when a
 * pasted instruction is too long, instead of losing its connection.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import { MAX_MESSAGE_BYTES } from '../../agent/protocol/messages.ts';
import { ask, launchChromium, SLOW, startServe, type ServeProcess } from './serve-process.ts';

let display: VirtualDisplay;
let serve: ServeProcess;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deskpilot-hostile-'));
  display = await startVirtualDisplay({ size: '640x480', windowManager: false });
  serve = await startServe(join(dir, 'runs'), display.env);
});

afterAll(async () => {
  await serve?.stop();
  await display?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function connect(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${serve.port}/ws?token=${serve.token}`, { headers: { Origin: serve.origin }, maxPayload: 64 << 20 });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one raw frame and resolves with the close code the server answered with. */
async function closeCodeAfter(data: Buffer | string, binary = false): Promise<number> {
  const socket = await connect();
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.send(data, { binary });
  return closed;
}

describe('deskpilot serve against hostile frames', () => {
  it('closes a bad frame with its close code, stays up, and a live run finishes intact', async () => {
    const script = join(dir, 'waits.json');
    await writeFile(script, JSON.stringify({ family: 'pyautogui', replies: ['WAIT', 'WAIT', 'DONE'], delayMs: 1500 }));
    const control = await connect();
    const started = await ask(control, {
      type: 'run.start',
      options: { instruction: 'wait twice, then finish', model: `script:${script}`, display: display.display, maxSteps: 5 },
    });
    expect(started.error).toBeUndefined();
    const runId = (started.result as { runId: string }).runId;

    // Over the size limit (an instruction of more than 1 MiB pasted into the UI is such a frame).
    const huge = JSON.stringify({ id: 1, command: { type: 'run.start', options: { instruction: 'x'.repeat(MAX_MESSAGE_BYTES), model: 'script:/x' } } });
    expect(await closeCodeAfter(huge)).toBe(1009);
    // Three bytes that are not UTF-8, in a text frame.
    expect(await closeCodeAfter(Buffer.from([0xff, 0xfe, 0xfd]))).toBe(1007);
    // Not JSON at all.
    expect(await closeCodeAfter('{"id":')).toBe(1003);

    // An instruction far longer than any task, but under the frame limit, is refused by name.
    const long = await ask(control, { type: 'run.start', options: { instruction: 'y'.repeat(100_000), model: `script:${script}` } });
    expect(long.ok).toBe(false);
    expect(long.error).toMatch(/options\.instruction: an instruction is at most 20000 characters/);

    // The server still answers, and the run it was driving ends by itself with its own status.
    const other = await connect();
    expect((await ask(other, { type: 'hello' })).ok).toBe(true);
    await expect
      .poll(async () => JSON.parse(await readFile(join(dir, 'runs', runId, 'run.json'), 'utf8')).status, { timeout: 60_000, interval: 250 })
      .toBe('success');
    expect(serve.child.exitCode).toBeNull();
    control.close();
    other.close();
  });
});

describe('the UI with an instruction over the message limit', () => {
  it('names the limit and keeps its connection', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${serve.url}#/run`);
      await page.getByTestId('instruction').fill('x'.repeat(MAX_MESSAGE_BYTES + 10));
      await page.getByTestId('model').fill('script:/nowhere.json');
      await page.getByTestId('start').click();
      await expect.poll(() => page.getByTestId('run-error').textContent(), SLOW).toMatch(/over the 1048576-byte limit of a message/);
      // Still connected: a short instruction is answered by the server (here: the script does not exist).
      await page.getByTestId('instruction').fill('short');
      await page.getByTestId('start').click();
      await expect.poll(() => page.getByTestId('run-error').textContent(), SLOW).toMatch(/nowhere\.json/);
    } finally {
      await browser.close();
    }
  });
});
