// Preset kind -> class: tl.load restores a file of any registered kind, the CLI trains and
// scores presets by name, serving will route by kind. Each preset file registers its class
// when it is imported (lib/presets/index.ts imports them all).
import { InputError } from '../data/errors.js';
import { registerLoader } from '../io/model-file.js';
import type { Preset, PresetClass } from './preset.js';

const byKind = new Map<string, PresetClass>();
/** Other names the CLI accepts for a kind (say 'nbo' for 'propensity'). */
const aliases = new Map<string, string>();

/** Makes `cls` loadable by tl.load and known to the CLI under its kind and `alsoKnownAs`. */
export function registerPreset(cls: PresetClass, alsoKnownAs: string[] = []): void {
  if (typeof cls?.kind !== 'string' || typeof cls.fromSaved !== 'function') throw new TypeError('registerPreset: expected a preset class with a static kind and fromSaved');
  byKind.set(cls.kind, cls);
  for (const a of alsoKnownAs) aliases.set(a, cls.kind);
  registerLoader(cls.kind, (tensors, meta) => cls.fromSaved(tensors, meta));
}

/** The class registered under `name` (a kind or an alias), or undefined. */
export function findPreset(name: string): PresetClass | undefined {
  return byKind.get(name) ?? byKind.get(aliases.get(name) ?? '');
}

/** The class registered under `name`, or an InputError listing the ones there are. */
export function presetClass(name: string): PresetClass {
  const cls = findPreset(name);
  if (!cls) throw new InputError(`unknown preset '${name}' (available: ${presetNames().join(', ')})`);
  return cls;
}

/** Every kind and alias, in registration order. */
export function presetNames(): string[] {
  return [...byKind.keys(), ...aliases.keys()];
}

/** The class of a preset instance (by its kind). */
export function classOf(preset: Preset): PresetClass | undefined {
  return byKind.get(preset.kind);
}
