import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startModelServer, type ModelServer } from '../../models/serve/openai-server.ts';
import { startVirtualDisplay, type VirtualDisplay } from '../../agent/env/desktop/virtual-display.ts';
import type { ChatRequest, GenerationEvent, VlmBackend } from '../../models/types.ts';
import type { CheckResult } from '../../agent/doctor/report.ts';

const exec = promisify(execFile);

/**
 * A stand-in for a grounding model (not a VLM): it finds the red pixels in the image it is sent and
 * answers with their centre, in 0-1000 coordinates like UI-TARS 1.0 or as fractions like Kimi.
 */
class RedFinder implements VlmBackend {
  constructor(private readonly scale: 'thousand' | 'relative') {}
  info() {
    return { spec: 'red-finder', family: 'kimi' as const, coordinates: 'relative' as const };
  }
  async *generate(request: ChatRequest): AsyncIterable<GenerationEvent> {
    const image = request.messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content)).find((p) => p.type === 'image');
    let sx = 0, sy = 0, n = 0;
    if (image?.type === 'image') {
      const { width, height, data } = image.image;
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        if (data[i] > 200 && data[i + 1] < 60) {
          sx += x / width;
          sy += y / height;
          n++;
        }
      }
    }
    const k = this.scale === 'thousand' ? 1000 : 1;
    const answer = n ? `(x=${((sx / n) * k).toFixed(3)}, y=${((sy / n) * k).toFixed(3)})` : 'I see no red circle';
    yield { type: 'done', result: { raw: answer, thinking: '', answer, finishReason: 'stop', timings: { totalMs: 1 } } };
  }
  async dispose() {}
}

let vd: VirtualDisplay;
const servers: ModelServer[] = [];
beforeAll(async () => {
  vd = await startVirtualDisplay({ size: '1024x768' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await vd?.dispose();
});

async function doctor(...args: string[]): Promise<{ code: number; results: CheckResult[] }> {
  const result = await exec(process.execPath, ['bin/deskpilot.js', 'doctor', '--json', ...args], { env: vd.env }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  return { code: result.code, results: JSON.parse(result.stdout) as CheckResult[] };
}

describe('deskpilot doctor', () => {
  it('checks the display, capture and input on a virtual desktop', async () => {
    const { code, results } = await doctor('--display', vd.display);
    expect(code).toBe(0);
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(byName.input.status).toBe('ok');
    expect(byName.displays.detail).toContain('1024x768');
    expect(results.some((r) => r.name.startsWith('capture') && r.status !== 'fail')).toBe(true);
    expect(byName.onnxruntime.detail).toContain('cpu');
  });

  it('confirms a model that points in the convention its backend reads', async () => {
    const server = await startModelServer({ backend: new RedFinder('relative'), modelName: 'moonshotai/Kimi-VL-A3B-Instruct' });
    servers.push(server);
    const { code, results } = await doctor('--no-desktop', '--model', `openai:${server.url}#moonshotai/Kimi-VL-A3B-Instruct`);
    expect(results.find((r) => r.name === 'endpoint')?.status).toBe('ok');
    expect(results.find((r) => r.name === 'calibration')).toMatchObject({ status: 'ok' });
    expect(code).toBe(0);
  });

  it('catches a server that answers in another coordinate convention and says which', async () => {
    const server = await startModelServer({ backend: new RedFinder('thousand'), modelName: 'kimi-like' });
    servers.push(server);
    const { code, results } = await doctor('--no-desktop', '--model', `openai:${server.url}#kimi-like`);
    const calibration = results.find((r) => r.name === 'calibration')!;
    expect(calibration.status).toBe('fail');
    expect(calibration.detail).toMatch(/only when read as thousand/);
    expect(calibration.fix).toMatch(/thousand/);
    expect(code).toBe(1);
  });

  it('says how to fix an unreachable endpoint or a wrong model name', async () => {
    const server = servers[0];
    const wrong = await doctor('--no-desktop', '--model', `openai:${server.url}#nope`);
    expect(wrong.results.find((r) => r.name === 'endpoint')).toMatchObject({ status: 'fail', fix: expect.stringContaining('moonshotai/Kimi-VL-A3B-Instruct') });
    const down = await doctor('--no-desktop', '--model', 'openai:http://127.0.0.1:9/v1#m');
    expect(down.results.find((r) => r.name === 'endpoint')).toMatchObject({ status: 'fail', fix: expect.stringContaining('start the server') });
    expect(down.code).toBe(1);
  });

  it('reports where each graph of a local package runs, node by node', async () => {
    const { makeTinyPackage } = await import('../support/kimi-package.ts');
    const tiny = await makeTinyPackage();
    const { results } = await doctor('--no-desktop', '--model', `kimi-vl:${tiny.pkg}`, '--provider', 'cpu');
    const placed = results.filter((r) => r.name.startsWith('placement '));
    expect(placed.map((r) => r.name)).toEqual(['placement decoder.onnx', 'placement vision.onnx']);
    for (const r of placed) expect(r).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^(\d+) nodes: \1 on CPUExecutionProvider$/) });
  });
});
