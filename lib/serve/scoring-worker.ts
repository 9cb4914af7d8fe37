// One worker of a scoring pool (worker-pool.ts). It loads the model file named in workerData
// itself (a preset cannot be handed between threads; its file can), says 'ready', then answers
// each { id, rows } with { id, out } or { id, error }. Errors travel as name + message, so the
// pool can give an InputError (a bad row: HTTP 400) back as one.
import { parentPort, workerData } from 'node:worker_threads';
import type { Row } from '../data/table.js';
import { load } from '../io/model-file.js';
import { setNumThreads } from '../tensor/device.js';
// Each preset registers its kind on import (registry.ts): load() restores only registered kinds.
import '../presets/index.js';
import { asPredictor, runPredict } from './predictor.js';

interface Start {
  path: string;
  threads: number;
}

const port = parentPort;
if (!port) throw new Error('scoring-worker.js runs as a worker thread of a scoring pool');
const start = workerData as Start;

const oneLine = (e: unknown) => String((e as Error)?.message ?? e).replace(/\s*\n\s*/g, ' ');

try {
  // Each worker has its own native thread pool: together they should not oversubscribe the cores.
  setNumThreads(start.threads);
  const model = await load(start.path);
  if (!model || typeof (model as { predict?: unknown }).predict !== 'function') throw new Error(`${start.path} holds a plain network, not a preset`);
  const predictor = asPredictor(model);
  port.on('message', async (msg: { id: number; rows: Row[] }) => {
    try {
      // postMessage inside the try: a prediction that cannot be cloned fails its batch, not the worker.
      port.postMessage({ id: msg.id, out: await runPredict(predictor, msg.rows) });
    } catch (e) {
      port.postMessage({ id: msg.id, error: { name: (e as Error)?.name ?? 'Error', message: oneLine(e) } });
    }
  });
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ failed: oneLine(e) });
}
