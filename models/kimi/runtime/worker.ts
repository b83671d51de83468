/**
 * The inference worker: opens one engine and runs generations one at a time, posting each event.
 * onnxruntime's run() blocks this thread, never the main one. Cancellation arrives through shared
 * memory because this thread's message queue is not read while a generation runs.
 */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.ts';
import { KimiEngine } from './engine.ts';

if (!parentPort) throw new Error('models/kimi/runtime/worker.ts must run in a worker thread');
const port = parentPort;
let engine: KimiEngine | undefined;
const post = (m: FromWorker) => port.postMessage(m);

// Messages are handled strictly one after another (an await inside one must not let the next start).
let chain: Promise<void> = Promise.resolve();
port.on('message', (message: ToWorker) => {
  chain = chain.then(() => handle(message));
});

async function handle(message: ToWorker): Promise<void> {
  try {
    if (message.type === 'open') {
      engine = await KimiEngine.open(message.packageDir, message.options);
      post({ type: 'opened', info: engine.info });
    } else if (message.type === 'generate') {
      if (!engine) throw new Error('the engine is not open');
      const cancelled = () => Atomics.load(message.cancel, 0) !== 0;
      try {
        for await (const event of engine.generate(message.request, cancelled)) post({ type: 'event', id: message.id, event });
      } catch (error) {
        post({ type: 'error', id: message.id, message: (error as Error).message, usage: error instanceof RangeError });
      }
    } else if (message.type === 'close') {
      await engine?.dispose();
      engine = undefined;
      post({ type: 'closed' });
      port.close();
    }
  } catch (error) {
    post({ type: 'error', message: (error as Error).message, usage: error instanceof RangeError });
  }
}
