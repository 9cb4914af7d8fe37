// IntentClassifier: chatbot messages -> intent, or null when the message is out of scope.
// The probabilities are temperature-calibrated on out-of-fold predictions, and the default
// threshold is calibrated on them too: the confidence that 95% of correctly classified
// held-out messages reach (so about 5% of in-scope messages are refused), never below the
// uniform 1/classes. A message below the threshold answers `{ intent: null, confidence }`.
// `predict` takes row objects or plain strings (what a chat handler has).
import { encodeClasses } from '../data/classes.js';
import { InputError } from '../data/errors.js';
import { type Row, type Table, toTable } from '../data/table.js';
import { asLabel, isMissing } from '../data/values.js';
import { load as loadModel } from '../io/model-file.js';
import { precisionRecallF1 } from '../metrics/classification.js';
import type { Tensor } from '../tensor/tensor.js';
import { buildFromParts, partsFromSafetensors } from './persist.js';
import type { Classifier, Data, DataOptions, OutputColumn, OutputValue, PredictOptions } from './preset.js';
import { registerPreset } from './registry.js';
import { TextClassifier, type TextModelState, textStateFromParts } from './text-classifier.js';
import { type TextFitOptions, fitTextClassifier } from './text-fit.js';

export interface IntentFitOptions extends TextFitOptions {
  /** Confidence below which predict answers intent null (0..1); default calibrated on held-out rows. */
  threshold?: number;
  /** Share of correctly classified held-out messages the calibrated threshold keeps (default 0.95). */
  coverage?: number;
}

export interface IntentPrediction {
  /** The intent, or null when the confidence is below the threshold (out of scope). */
  intent: string | null;
  /** The calibrated probability of the most likely intent. */
  confidence: number;
}

/**
 * On labelled rows. Rows whose label is not a trained intent (say 'out_of_scope') count as
 * out-of-scope messages: correct when predict answers null.
 */
export interface IntentReport {
  rows: number;
  /** Share of rows answered right (the intent, or null for out-of-scope rows). */
  accuracy: number;
  /** Macro F1 over the trained intents (null answers count as misses). */
  macroF1: number;
  /** Share of in-scope rows given an intent (not null). */
  coverage: number;
  /** Share of out-of-scope rows answered null (absent when there are none). */
  outOfScopeRecall?: number;
  threshold: number;
}

/** The `coverage` quantile (from below) of the confidences of correctly classified rows, at least 1/classes. */
export function calibrateThreshold(probs: Float32Array, labels: number[], c: number, coverage: number): number {
  const correct: number[] = [];
  labels.forEach((y, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (probs[i * c + j] > probs[i * c + best]) best = j;
    if (best === y) correct.push(probs[i * c + best]);
  });
  if (!correct.length) return 1 / c;
  correct.sort((a, b) => a - b);
  const q = correct[Math.min(correct.length - 1, Math.floor((1 - coverage) * correct.length))];
  return Math.max(1 / c, Math.min(0.99, q));
}

export class IntentClassifier extends TextClassifier implements Classifier<IntentPrediction, IntentReport> {
  static readonly kind = 'intent';
  readonly kind = IntentClassifier.kind;

  private constructor(s: TextModelState) {
    super(s);
  }

  /** The confidence below which the answer is out of scope (intent null). */
  get threshold(): number {
    return this.head.threshold ?? 0;
  }

  /** Trains on rows (or a file) of example messages and their intents. */
  static async fit(data: Data, opts: IntentFitOptions): Promise<IntentClassifier> {
    const { threshold, coverage = 0.95 } = opts ?? {};
    if (threshold !== undefined && !(typeof threshold === 'number' && threshold >= 0 && threshold <= 1)) throw new RangeError('IntentClassifier.fit: threshold must be a number from 0 to 1');
    if (!(typeof coverage === 'number' && coverage > 0 && coverage <= 1)) throw new RangeError('IntentClassifier.fit: coverage must be a number in (0, 1]');
    const f = await fitTextClassifier(data, opts, 'IntentClassifier');
    const c = f.target.classes.length;
    const t = threshold ?? calibrateThreshold(f.outOfFold.probs, f.outOfFold.labels, c, coverage);
    return new IntentClassifier({ ...f, head: { type: 'text-softmax', temperature: f.temperature, threshold: t, blend: f.blend } });
  }

  /** `{ intent, confidence }` per message (row objects with the text column, or plain strings); intent null when out of scope. */
  predict(rows: Row[] | Table | readonly string[], opts: PredictOptions & { threshold?: number } = {}): IntentPrediction[] {
    const t = opts.threshold ?? this.threshold;
    // As fit checks it: 2 or '0.5' would otherwise answer every message null (or compare as text) without a word.
    if (!(typeof t === 'number' && t >= 0 && t <= 1)) throw new RangeError(`IntentClassifier.predict: threshold must be a number from 0 to 1, got ${JSON.stringify(t)}`);
    return this.predictProba(rows, opts).map((p) => {
      let best = 0;
      for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
      return { intent: p[best] >= t ? this.target.classes[best] : null, confidence: p[best] };
    });
  }

  outputColumns(): OutputColumn[] {
    return [
      { name: 'intent', type: 'string', description: `the most likely '${this.target.name}', empty when out of scope (confidence below ${this.threshold.toFixed(3)})` },
      { name: 'confidence', type: 'number', description: 'the calibrated probability of the most likely intent' },
    ];
  }

  score(rows: Row[] | Table | readonly string[], opts: PredictOptions = {}): OutputValue[][] {
    return this.predict(rows, opts).map((p) => [p.intent, p.confidence]);
  }

  async evaluate(data: Data, opts: DataOptions = {}): Promise<IntentReport> {
    const table = await toTable(data, 'IntentClassifier.evaluate', opts.read);
    const name = this.target.name;
    if (table.columns.length && !table.columns.includes(name)) encodeClasses(table, this.target); // throws naming the column
    const known = new Map(this.target.classes.map((c, i) => [c, i]));
    const labels = table.rows.map((r, i) => {
      if (isMissing(r[name])) throw new InputError(`${table.source ?? 'the rows'}, row ${i + 1}: the target '${name}' is missing`);
      return known.get(asLabel(r[name])) ?? -1;
    });
    const preds = this.predict(table, { missing: opts.missing, onWarning: opts.onWarning }).map((p) => (p.intent === null ? -1 : known.get(p.intent)!));
    const inScope = labels.filter((y) => y >= 0).length, outOfScope = labels.length - inScope;
    const hits = labels.filter((y, i) => preds[i] === y).length;
    const f1s = this.target.classes.map((_, c) => precisionRecallF1(preds.map((p) => (p === c ? 1 : 0)), labels.map((y) => (y === c ? 1 : 0))).f1);
    const present = this.target.classes.map((_, c) => labels.includes(c) || preds.includes(c));
    const used = f1s.filter((_, c) => present[c]);
    return {
      rows: labels.length,
      accuracy: labels.length ? hits / labels.length : NaN,
      macroF1: used.length ? used.reduce((a, b) => a + b, 0) / used.length : NaN,
      coverage: inScope ? labels.filter((y, i) => y >= 0 && preds[i] >= 0).length / inScope : NaN,
      ...(outOfScope ? { outOfScopeRecall: labels.filter((y, i) => y < 0 && preds[i] < 0).length / outOfScope } : {}),
      threshold: this.threshold,
    };
  }

  describe(): string {
    return [...this.describeLines(`the intent of a message ('${this.target.name}', ${this.target.classes.length} intents) and its confidence`),
      `out of scope (intent null) below confidence ${this.threshold.toFixed(3)}`].join('\n');
  }

  static async load(path: string): Promise<IntentClassifier> {
    const m = await loadModel(path);
    if (!(m instanceof IntentClassifier)) throw new TypeError(`IntentClassifier.load: ${path} does not hold an intent classifier`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): IntentClassifier {
    const parts = partsFromSafetensors(tensors, meta, { kind: IntentClassifier.kind, preset: 'IntentClassifier' });
    return buildFromParts(parts, () => new IntentClassifier(textStateFromParts(parts, 'IntentClassifier')));
  }
}

registerPreset(IntentClassifier);
