// One save/load for every preset. A preset is a fitted preprocessor (JSON), one or more
// backbone networks (Modules rebuilt from their config() and weights) and a head (JSON: how
// the networks' outputs become predictions), plus the preset's own JSON (target, schema,
// training summary). The file's metadata holds the JSON; tensors are named
// `backbone<i>.<parameter>`. Every number is checked finite on the way out and on the way in:
// JSON writes NaN as null, and one non-finite weight turns every later prediction into NaN.
import { buildModule } from '../nn/registry.js';
import type { Module, ModuleConfig } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Saved } from './preset.js';

export interface PresetParts {
  /** The fitted preprocessor's JSON state. */
  preprocessor: unknown;
  /** The networks (an ensemble has several). */
  backbones: Module[];
  /** How outputs become predictions (logit shifts, class lists, distribution parameters). */
  head: Record<string, unknown>;
  /** Everything else the preset keeps: target, schema, training summary. */
  info: Record<string, unknown>;
}

export interface PresetIdentity {
  kind: string;
  /** The class name, for people reading the file. */
  preset: string;
}

/** The layout version this module writes. Older layouts are upgraded by the preset's own reader (see churn-v1.ts). */
export const PARTS_VERSION = 2;

/** Throws naming the first non-finite number inside `value` (JSON cannot hold it). */
export function checkFinite(value: unknown, path: string): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}, not a finite number`);
  } else if (Array.isArray(value)) value.forEach((v, i) => checkFinite(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkFinite(v, `${path}.${k}`);
}

/** Tensors and metadata for tl.save. */
export function partsToSafetensors(id: PresetIdentity, parts: PresetParts): Saved {
  checkFinite(parts.head, 'save: the head');
  checkFinite(parts.info, 'save: the model info');
  const backbones = parts.backbones.map((m, i) => {
    const config = m.config();
    if (!config) throw new TypeError(`save: backbone ${i} (${m.constructor.name}) has no config() to rebuild it from`);
    return config;
  });
  const tensors: Record<string, Tensor> = {};
  parts.backbones.forEach((m, i) => {
    for (const [name, t] of Object.entries(m.stateDict())) tensors[`backbone${i}.${name}`] = t;
  });
  return {
    tensors,
    meta: { kind: id.kind, preset: id.preset, presetVersion: PARTS_VERSION, preprocessor: parts.preprocessor, backbones, head: parts.head, info: parts.info },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The parts of a file written by partsToSafetensors: backbones rebuilt (eval mode) with their
 * weights, the tensors disposed once copied. Throws on anything missing, malformed or not finite.
 */
export function partsFromSafetensors(tensors: Record<string, Tensor>, meta: Record<string, unknown>, id: PresetIdentity): PresetParts {
  if (meta.presetVersion !== PARTS_VERSION) throw new Error(`${id.preset}: unsupported preset version ${JSON.stringify(meta.presetVersion)}`);
  const configs = meta.backbones as ModuleConfig[];
  if (!Array.isArray(configs) || !configs.length) throw new Error(`${id.preset}: the file lists no networks`);
  if (!isObject(meta.head)) throw new Error(`${id.preset}: the file has no head`);
  if (!isObject(meta.info)) throw new Error(`${id.preset}: the file has no model info`);
  checkFinite(meta.head, `${id.preset}: the file's head`);
  for (const [name, t] of Object.entries(tensors))
    if (t.dtype === 'float32' && !t.dataSync().every(Number.isFinite)) throw new Error(`${id.preset}: the weights '${name}' hold values that are not finite`);
  const used = new Set(Object.keys(tensors).filter((k) => /^backbone\d+\./.test(k) && Number(k.slice(8, k.indexOf('.'))) < configs.length));
  const stray = Object.keys(tensors).filter((k) => !used.has(k));
  if (stray.length) throw new Error(`${id.preset}: the file has tensors no network uses (${stray.slice(0, 3).join(', ')}${stray.length > 3 ? ', ...' : ''})`);
  const backbones: Module[] = [];
  try {
    configs.forEach((config, i) => {
      const module = buildModule(config);
      backbones.push(module);
      const prefix = `backbone${i}.`;
      module.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t])));
      module.eval();
    });
  } catch (e) {
    disposeModules(backbones);
    throw e;
  }
  for (const t of Object.values(tensors)) t.dispose();
  return { preprocessor: meta.preprocessor, backbones, head: meta.head, info: meta.info };
}

/** Frees the weights of modules a failed load had built (they would wait for the garbage collector). */
export function disposeModules(modules: Module[]): void {
  for (const m of modules) for (const t of Object.values(m.stateDict())) t.dispose();
}

/** `build(parts)`, freeing the rebuilt networks if it throws (a preset's own checks of its head and info). */
export function buildFromParts<T>(parts: PresetParts, build: (parts: PresetParts) => T): T {
  try {
    return build(parts);
  } catch (e) {
    disposeModules(parts.backbones);
    throw e;
  }
}
