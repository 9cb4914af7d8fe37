// tl.save / tl.load: one safetensors file per model. The tensors are the state dict; the
// metadata key "tensorlift" holds JSON with the model's config (how to rebuild it) and any
// preprocessing a preset needs, so one file restores a working predictor.
// Paths are checked before anything is read or written, and the write's temp file is removed
// if the process is interrupted (SIGINT, SIGTERM) before the rename.
import { basename, dirname } from 'node:path';
import { buildModule } from '../nn/registry.js';
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInputFile, checkOutputFile } from './paths.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { removeStaleTemps, trackTempPrefix } from './temp-files.js';

export const FORMAT_VERSION = 1;

/** What a preset (or any object) provides to be saved by tl.save. */
export interface Saveable {
  toSafetensors(): { tensors: Record<string, Tensor>; meta: Record<string, unknown> };
}

type Loader = (tensors: Record<string, Tensor>, meta: Record<string, unknown>) => unknown;
const loaders = new Map<string, Loader>();

/** Lets tl.load restore objects saved with kind `kind` (presets register themselves). */
export function registerLoader(kind: string, loader: Loader): void {
  loaders.set(kind, loader);
}

function isSaveable(v: unknown): v is Saveable {
  return !!v && typeof (v as Saveable).toSafetensors === 'function';
}

/** A class, by its prototype (presets have private constructors, so not by `new`). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type ClassOf<T> = Function & { prototype: T };

/** Writes a Module or preset to `path` (atomically: an interrupted save keeps the old file). */
export async function save(model: Module | Saveable, path: string, opts: { metadata?: Record<string, unknown> } = {}): Promise<void> {
  if (typeof path !== 'string' || !path) throw new TypeError('save: expected a file path');
  let tensors: Record<string, Tensor>, meta: Record<string, unknown>;
  if (model instanceof Module) {
    tensors = model.stateDict();
    meta = { kind: 'module', model: model.config(), className: model.constructor.name };
  } else if (isSaveable(model)) {
    ({ tensors, meta } = model.toSafetensors());
  } else {
    throw new TypeError('save: expected a tl.nn.Module or a preset');
  }
  const header = { format: 'tensorlift', version: FORMAT_VERSION, ...meta, user: opts.metadata ?? {} };
  await checkOutputFile(path, 'save');
  await removeStaleTemps(path);
  // writeSafetensors names its temp file `${path}.tmp-${pid}-<random>`.
  const release = trackTempPrefix(dirname(path), `${basename(path)}.tmp-${process.pid}-`);
  try {
    await writeSafetensors(path, tensors, { tensorlift: JSON.stringify(header) });
  } finally {
    release();
  }
}

/**
 * Reads a model file. Built-in layers and presets are rebuilt from the file alone; a custom
 * Module class is restored with `{ into: new MyModel(...) }` (weights are copied into it).
 * Files written by other tools load with `{ into }`, or as raw tensors via readSafetensors.
 * Loaded modules are returned in eval mode.
 */
export async function load<M extends Module>(path: string, opts: { into: M }): Promise<M>;
/** With `as` (a class such as tl.presets.ChurnModel), the file must hold one: the result is typed and checked. */
export async function load<T>(path: string, opts: { as: ClassOf<T> }): Promise<T>;
/** Without options the type is yours to name: `await tl.load<tl.nn.Sequential>(path)` (not checked). */
export async function load<T = Module | Saveable>(path: string): Promise<T>;
export async function load(path: string, opts: { into?: Module; as?: ClassOf<unknown> } = {}): Promise<unknown> {
  const loaded = await loadAny(path, opts);
  if (opts.as !== undefined) {
    if (typeof opts.as !== 'function') throw new TypeError('load: `as` must be a class (e.g. tl.presets.ChurnModel)');
    if (!(loaded instanceof opts.as)) {
      const got = (loaded as object)?.constructor?.name ?? typeof loaded;
      throw new TypeError(`load: ${path} holds a ${got}, not a ${opts.as.name}`);
    }
  }
  return loaded;
}

async function loadAny(path: string, opts: { into?: Module }): Promise<unknown> {
  await checkInputFile(path, 'load');
  const { tensors, metadata } = await readSafetensors(path);
  let meta: Record<string, unknown> = {};
  if (metadata.tensorlift) {
    try {
      meta = JSON.parse(metadata.tensorlift);
    } catch {
      throw new Error(`load: ${path} has corrupt tensorlift metadata`);
    }
  }
  try {
    if (opts.into) {
      if (!(opts.into instanceof Module)) throw new TypeError('load: `into` must be a tl.nn.Module');
      opts.into.loadStateDict(tensors);
      return opts.into.eval();
    }
    const kind = typeof meta.kind === 'string' ? meta.kind : undefined;
    if (kind && kind !== 'module') {
      const loader = loaders.get(kind);
      if (!loader) throw new TypeError(`load: ${path} holds a '${kind}', which this version of tensorlift cannot restore`);
      try {
        return loader(tensors, meta);
      } catch (e) {
        // The preset says what is wrong with its state; the reader needs to know which file.
        for (const t of Object.values(tensors)) t.dispose();
        const err = e as Error;
        err.message = `load: ${path}: ${err.message}`;
        throw err;
      }
    }
    if (!meta.model)
      throw new TypeError(
        `load: ${path} holds a custom model${meta.className ? ` (${meta.className})` : ''}; pass an instance to fill: tl.load(path, { into: new MyModel() })`,
      );
    const model = buildModule(meta.model);
    try {
      model.loadStateDict(tensors);
    } catch (e) {
      // The rebuilt model's own tensors would otherwise wait for the garbage collector.
      for (const t of Object.values(model.stateDict())) t.dispose();
      throw e;
    }
    return model.eval();
  } finally {
    // Values were copied into the model's own tensors; presets keep what they adopt.
    if (opts.into || meta.kind === 'module' || !meta.kind) for (const t of Object.values(tensors)) t.dispose();
  }
}
