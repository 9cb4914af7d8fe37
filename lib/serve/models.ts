// The models a server or consumer scores with: given as presets or as model file paths, each
// under a name. A model loaded from a file can be reloaded from it: the new one is loaded and
// checked first, then swapped in at once; batches already running finish on the old one, so no
// request is dropped or sees a half-loaded model. A failed reload keeps the old model.
// With `workers`, each model is also scored by a pool of worker threads (worker-pool.ts) that
// load a copy saved from the model loaded here, so both always hold the same model.
import { basename, extname } from 'node:path';
import { InputError } from '../data/errors.js';
import type { Row } from '../data/table.js';
import { load } from '../io/model-file.js';
import { type Predictor, asPredictor } from './predictor.js';
import { WorkerPool } from './worker-pool.js';

/** A preset (or anything asPredictor accepts), or the path of a model file. */
export type ModelSpec = unknown;
export type ModelsArg = ModelSpec | Record<string, ModelSpec>;

export interface ModelEntry {
  readonly name: string;
  readonly path?: string;
  predictor: Predictor;
  /** Reloads in progress are chained, so two SIGHUPs in a row load once after the other. */
  reloading: Promise<unknown>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A file's model name: its base name without the extension (models/churn-v2.safetensors -> churn-v2). */
export function nameOfPath(path: string): string {
  return basename(path, extname(path));
}

export interface LoadOptions {
  onWarning?: (m: string) => void;
  /** Worker threads scoring each model (0: none, batches are scored on the calling thread). */
  workers?: number;
}

async function predictorOf(spec: ModelSpec, o: LoadOptions): Promise<Predictor> {
  let model = spec;
  if (typeof spec === 'string') {
    model = await load(spec);
    if (!model || typeof (model as { predict?: unknown }).predict !== 'function') throw new InputError(`${spec} holds a plain network, not a preset; serve a preset's file`);
  }
  const base = asPredictor(model, { onWarning: o.onWarning });
  if (!o.workers) return base;
  const save = (model as { save?: unknown }).save;
  if (typeof save !== 'function') throw new InputError(`serve: scoring on workers needs a preset (a model with save(path)); ${(model as object).constructor?.name ?? 'this model'} has none`);
  const pool = await WorkerPool.start((file) => save.call(model, file) as Promise<void>, o.workers);
  // The loaded predictor, with its batches sent to the pool (its prototype keeps any methods).
  return Object.assign(Object.create(base) as Predictor, { predictAsync: (rows: Row[]) => pool.predict(rows), close: () => pool.close() });
}

/** Splits `models` into named specs: one preset or path, or an object of name -> preset or path. */
export function namedSpecs(models: ModelsArg): [string, ModelSpec][] {
  if (typeof models === 'string') return [[nameOfPath(models), models]];
  if (!models || typeof models !== 'object') throw new TypeError('serve: expected a preset, a model file path, or an object of name -> preset');
  if (typeof (models as { predict?: unknown }).predict === 'function') {
    const kind = (models as { kind?: unknown }).kind;
    return [[typeof kind === 'string' ? kind : asPredictor(models).kind, models]];
  }
  const entries = Object.entries(models as Record<string, ModelSpec>);
  if (!entries.length) throw new TypeError('serve: no models given');
  return entries;
}

export async function loadModels(models: ModelsArg, o: LoadOptions = {}): Promise<Map<string, ModelEntry>> {
  const out = new Map<string, ModelEntry>();
  try {
    for (const [name, spec] of namedSpecs(models)) {
      if (!NAME.test(name)) throw new InputError(`serve: model name '${name}' must be letters, digits, '.', '_' or '-' (at most 64)`);
      if (out.has(name)) throw new InputError(`serve: two models are named '${name}'; name them (name=path)`);
      out.set(name, { name, path: typeof spec === 'string' ? spec : undefined, predictor: await predictorOf(spec, o), reloading: Promise.resolve() });
    }
  } catch (e) {
    // The models loaded before the one that failed stop their workers.
    await Promise.all([...out.values()].map((m) => m.predictor.close?.()));
    throw e;
  }
  return out;
}

/** Loads the entry's file again and swaps the new model in; rejects (keeping the old one) on any failure. */
export function reloadModel(entry: ModelEntry, o: LoadOptions = {}): Promise<Predictor> {
  const next = entry.reloading.catch(() => undefined).then(async () => {
    if (!entry.path) throw new InputError(`model '${entry.name}' was given as an object, not a file; there is nothing to reload it from`);
    const p = await predictorOf(entry.path, o);
    const old = entry.predictor;
    entry.predictor = p;
    // The old model's workers finish the batches they hold, then stop.
    void old.close?.().catch(() => undefined);
    return p;
  });
  entry.reloading = next;
  return next;
}
