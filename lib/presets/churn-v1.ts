// ChurnModel files written before the generic preset format (presetVersion 1, tensorlift
// 0.1.0 up to the preset contract): the networks' configs under `nets`, their weights named
// `net<i>.<parameter>`, and the logit shift, target, schema and validation at the top level.
// They are read by rewriting them into the current layout (persist.ts), so one reader checks
// and rebuilds both.
import type { Tensor } from '../tensor/tensor.js';
import { PARTS_VERSION } from './persist.js';

export function isChurnV1(meta: Record<string, unknown>): boolean {
  return meta.presetVersion === 1;
}

/** The same model in the current layout: tensors renamed `backbone<i>.`, the top-level fields moved to head and info. */
export function upgradeChurnV1(tensors: Record<string, Tensor>, meta: Record<string, unknown>): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
  const renamed = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k.replace(/^net(\d+)\./, 'backbone$1.'), t]));
  return {
    tensors: renamed,
    meta: {
      kind: meta.kind, preset: meta.preset, presetVersion: PARTS_VERSION, preprocessor: meta.preprocessor, backbones: meta.nets,
      head: { type: 'binary', logitShift: meta.logitShift },
      info: { target: meta.target, schema: meta.schema, validation: meta.validation },
    },
  };
}
