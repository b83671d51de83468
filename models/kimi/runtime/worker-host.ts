/**
 * Main-thread side of the inference worker. Input: a package directory and engine options; output:
 * an object whose generate() streams GenerationEvents while the model runs in a worker_thread, so the
 * caller's event loop keeps running (timers, UI, sockets). An AbortSignal cancels between tokens; the
 * generation then ends with finishReason 'cancelled'.
 */
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { entryPoint } from '../../entry-point.ts';
import type { ChatRequest, GenerationEvent } from '../../types.ts';
import type { EngineInfo, EngineOptions } from './types.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

type Listener = (m: FromWorker) => void;

export class WorkerHost {
  private nextId = 1;
  private listeners = new Set<Listener>();
  private failure: Error | undefined;
  private busy = false;

  private constructor(
    private readonly worker: Worker,
    readonly info: EngineInfo,
  ) {}

  static async open(packageDir: string, options: EngineOptions = {}): Promise<WorkerHost> {
    // SHARE_ENV: onnxruntime reads kernel switches from the real environment (expert-kernel.ts).
    // From sources, worker-entry.js registers tsx first (a worker thread starts without the parent's loader).
    const worker = new Worker(entryPoint('kimi-worker', new URL('./worker-entry.js', import.meta.url)).file, { env: SHARE_ENV });
    // Only our own listeners are removed afterwards: Worker keeps internal ones that start its port.
    let onMessage: Listener = () => {};
    let onError: (error: Error) => void = () => {};
    let onExit: (code: number) => void = () => {};
    const info = await new Promise<EngineInfo>((resolve, reject) => {
      onMessage = (m) => {
        if (m.type === 'opened') resolve(m.info);
        else if (m.type === 'error') reject(m.usage ? new RangeError(m.message) : new Error(m.message));
      };
      onError = reject;
      onExit = (code) => reject(new Error(`the model worker exited (code ${code}) while opening ${packageDir}`));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ type: 'open', packageDir, options } satisfies ToWorker);
    })
      .catch(async (error: unknown) => {
        await worker.terminate();
        throw error;
      })
      .finally(() => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      });
    const host = new WorkerHost(worker, info);
    worker.on('message', (m: FromWorker) => host.listeners.forEach((l) => l(m)));
    const fail = (error: Error) => {
      host.failure = error;
      host.listeners.forEach((l) => l({ type: 'error', message: error.message }));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the model worker exited (code ${code})`)));
    return host;
  }

  async *generate(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
    if (this.failure) throw this.failure;
    if (this.busy) throw new Error('one generation at a time: this model is busy');
    this.busy = true;
    const id = this.nextId++;
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(cancel, 0, 1);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const queue: FromWorker[] = [];
    let wake: (() => void) | undefined;
    const listener: Listener = (m) => {
      if ('id' in m && m.id !== undefined && m.id !== id) return;
      queue.push(m);
      wake?.();
    };
    this.listeners.add(listener);
    try {
      this.worker.postMessage({ type: 'generate', id, request, cancel } satisfies ToWorker);
      for (;;) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const m = queue.shift()!;
        if (m.type === 'error') throw m.usage ? new RangeError(m.message) : new Error(m.message);
        if (m.type !== 'event') continue;
        yield m.event;
        if (m.event.type === 'done') return;
      }
    } finally {
      // A consumer that stops early also stops the worker's generation.
      Atomics.store(cancel, 0, 1);
      this.listeners.delete(listener);
      signal?.removeEventListener('abort', onAbort);
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    if (this.failure) {
      await this.worker.terminate();
      return;
    }
    const closed = new Promise<void>((resolve) => {
      this.listeners.add((m) => m.type === 'closed' && resolve());
      this.worker.once('exit', () => resolve());
    });
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    await closed;
    await this.worker.terminate();
  }
}
