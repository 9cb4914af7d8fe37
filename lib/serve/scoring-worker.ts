// One worker of a scoring pool (worker-pool.ts). It loads the model file named in workerData
// itself (a preset cannot be handed between threads; its file can), says 'ready', then answers
// each { id, rows } (predict: serving) or { id, table, missing } (the output columns of file
// scoring, with the data warnings it raised) with { id, out, warnings } or { id, error }. Errors
// travel as name, message and code, so the pool can give an InputError (a bad row: HTTP 400,
// a CLI error naming its line) back as one.
import { parentPort, workerData } from 'node:worker_threads';
import type { DataWarning } from '../data/errors.js';
import type { TransformOptions } from '../data/preprocess.js';
import type { Row, Table } from '../data/table.js';
import type { Preset } from '../presets/preset.js';
import { scoreBatch } from '../presets/score-batch.js';
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
  port.on('message', async (msg: { id: number; rows?: Row[]; table?: Table; missing?: TransformOptions['missing'] }) => {
    try {
      const warnings: DataWarning[] = [];
      const out = msg.table
        ? await scoreBatch(model as Preset, msg.table, { missing: msg.missing, onWarning: (_m, w) => warnings.push(w) })
        : await runPredict(predictor, msg.rows ?? []);
      // postMessage inside the try: a prediction that cannot be cloned fails its batch, not the worker.
      port.postMessage({ id: msg.id, out, warnings });
    } catch (e) {
      const err = e as Error & { code?: unknown };
      port.postMessage({ id: msg.id, error: { name: err?.name ?? 'Error', message: oneLine(e), code: typeof err?.code === 'string' ? err.code : undefined } });
    }
  });
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ failed: oneLine(e) });
}
