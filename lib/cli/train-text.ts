// `tensorlift train sentiment` and `train intent`: --text names the text column, --target the
// label; --encoder picks the bag (default) or the Transformer encoder; intent takes
// --threshold (default: calibrated on held-out rows); --unlabelled (texts without labels) is
// read by the train command like --data and handed to fit.
import { InputError } from '../data/errors.js';
import type { Preset } from '../presets/preset.js';
import type { TextClassifier } from '../presets/text-classifier.js';
import type { TrainSpec } from './train.js';

function thresholdOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const t = Number(v);
  if (!(t >= 0 && t <= 1)) throw new InputError(`--threshold must be a number from 0 to 1, got '${String(v)}'`);
  return t;
}

export function textSpec(kind: 'sentiment' | 'intent'): TrainSpec {
  return {
    kind,
    takes: ['text', 'target', 'ensemble', 'epochs', 'encoder', 'unlabelled', ...(kind === 'sentiment' ? ['positive'] : ['threshold'])],
    requires: ['text', 'target'],
    fitOptions: (o, progress) => ({
      text: o.text, target: o.target, ensemble: o.ensemble, epochs: o.epochs, seed: o.seed, encoder: o.encoder,
      ...(kind === 'sentiment' ? { positive: o.positive } : { threshold: thresholdOf(o.threshold) }),
      onNetwork: ({ network, networks, epochs }: { network: number; networks: number; epochs?: number }) =>
        progress(epochs === undefined ? `network ${network}/${networks}: training` : `network ${network}/${networks}: ${epochs} epochs`),
    }),
    trained: (model: Preset, seconds: number) => {
      const m = model as unknown as TextClassifier & { threshold?: number };
      const v = m.validation;
      const measure = [v.auc !== undefined ? `ROC AUC ${v.auc.toFixed(4)}` : '', `accuracy ${v.accuracy.toFixed(4)}`, `log loss ${v.logLoss.toFixed(4)}`].filter(Boolean).join(', ');
      return `trained ${m.nets.length} networks in ${seconds.toFixed(1)} s; out-of-fold ${measure}${kind === 'intent' ? `; out-of-scope below confidence ${m.threshold?.toFixed(3)}` : ''}`;
    },
    testColumns: (_data, o) => [String(o.text), String(o.target)],
  };
}
