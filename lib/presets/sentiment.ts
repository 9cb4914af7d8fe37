// SentimentModel: texts (reviews, tickets, posts) with a label -> the label's probability.
// Two labels: predict gives P(positive) (the positive label is found among common names such
// as positive/great/good/yes/5, or named with `positive`); more labels (1-5 stars,
// negative/neutral/positive): predict gives the most likely label. The text pipeline is in
// lib/data/text, the network in text-net.ts, training and calibration in text-fit.ts.
import type { ClassTarget } from '../data/classes.js';
import { encodeClasses } from '../data/classes.js';
import { InputError } from '../data/errors.js';
import { binaryTarget } from '../data/target.js';
import { type Row, type Table, toTable } from '../data/table.js';
import { asLabel, isMissing } from '../data/values.js';
import { load as loadModel } from '../io/model-file.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ChurnReport, type MulticlassReport, binaryReport, multiclassReport } from './classifier-report.js';
import { buildFromParts, partsFromSafetensors } from './persist.js';
import type { Classifier, Data, DataOptions, OutputColumn, OutputValue, PredictOptions } from './preset.js';
import { registerPreset } from './registry.js';
import { TextClassifier, type TextModelState, textStateFromParts } from './text-classifier.js';
import { type TextFitOptions, fitTextClassifier } from './text-fit.js';

export interface SentimentFitOptions extends TextFitOptions {
  /** Which label of a two-label target is the positive one, when not obvious. */
  positive?: string;
}

/**
 * `{ accuracy, auc?, macroF1, logLoss }`, each class's precision / recall / F1, and for two
 * labels with both present ROC AUC and the decile lift table of P(positive).
 */
export interface SentimentReport {
  rows: number;
  accuracy: number;
  auc?: number;
  macroF1: number;
  logLoss: number;
  perClass: MulticlassReport['perClass'];
  lift?: ChurnReport['lift'];
}

const POSITIVE_SENTIMENT = ['positive', 'pos', 'great', 'good', 'yes', 'true', '1', '5', 'happy', 'like', 'recommended', 'satisfied', 'promoter'];

/** A two-label target: [negative, positive], the positive one guessed from common names when not given. */
function sentimentTarget(table: Table, name: string, positive?: string): ClassTarget | undefined {
  const labels = new Set<string>();
  for (const r of table.rows) {
    const v = r[name];
    if (!isMissing(v)) labels.add(asLabel(v));
    if (labels.size > 2) return undefined;
  }
  if (labels.size !== 2) return undefined;
  // Two numbers (1 and 5 stars, 0 and 1): the larger is positive; else the first common name.
  const list = [...labels], numbers = list.map(Number);
  let guess = positive;
  if (guess === undefined && numbers.every(Number.isFinite)) guess = list[numbers[0] > numbers[1] ? 0 : 1];
  for (const name of POSITIVE_SENTIMENT) guess ??= list.find((l) => l.toLowerCase() === name);
  const t = binaryTarget(table, name, guess);
  return { name, classes: [t.negative, t.positive] };
}

export class SentimentModel extends TextClassifier implements Classifier<number | string, SentimentReport> {
  static readonly kind = 'sentiment';
  readonly kind = SentimentModel.kind;

  private constructor(s: TextModelState) {
    super(s);
  }

  /** True for a two-label target: predict gives P(positive). */
  get isBinary(): boolean {
    return this.target.classes.length === 2;
  }

  /** Trains on a CSV / JSON Lines file or rows with a text column and a label column. */
  static async fit(data: Data, opts: SentimentFitOptions): Promise<SentimentModel> {
    const f = await fitTextClassifier(data, opts, 'SentimentModel', (table) => {
      const t = sentimentTarget(table, opts.target, opts.positive);
      if (!t && opts.positive !== undefined)
        throw new InputError((cli) => `SentimentModel.fit: ${cli ? '--positive' : 'positive'} is for a two-label target, and '${opts.target}' has more labels`);
      return t;
    });
    return new SentimentModel({ ...f, head: { type: 'text-softmax', temperature: f.temperature, blend: f.blend } });
  }

  /** Two labels: P(positive) per row; more: the most likely label. Rows are objects with the text column, or plain strings. */
  predict(rows: Row[] | Table | readonly string[], opts: PredictOptions = {}): (number | string)[] {
    return this.score(rows, opts).map((r) => r[0] as number | string);
  }

  outputColumns(): OutputColumn[] {
    const t = this.target;
    if (this.isBinary) return [{ name: 'probability', type: 'number', description: `P(${t.name} = ${t.classes[1]})` }];
    return [
      { name: 'class', type: 'string', description: `the most likely '${t.name}'` },
      ...t.classes.map((c) => ({ name: `probability_${c}`, type: 'number' as const, description: `P(${t.name} = ${c})` })),
    ];
  }

  score(rows: Row[] | Table | readonly string[], opts: PredictOptions = {}): OutputValue[][] {
    const probs = this.predictProba(rows, opts);
    if (this.isBinary) return probs.map((p) => [p[1]]);
    return probs.map((p) => [this.target.classes[p.indexOf(Math.max(...p))], ...p]);
  }

  /** Accuracy, macro F1 and log loss; ROC AUC (and the lift table) for two labels. */
  async evaluate(data: Data, opts: DataOptions = {}): Promise<SentimentReport> {
    const table = await toTable(data, 'SentimentModel.evaluate', opts.read);
    const y = Array.from(encodeClasses(table, this.target));
    const probs = this.predictProba(table, { missing: opts.missing, onWarning: opts.onWarning });
    const multi = multiclassReport(probs, y, this.classes, 1);
    const report: SentimentReport = { rows: y.length, accuracy: multi.accuracy, macroF1: multi.macroF1, logLoss: multi.logLoss, perClass: multi.perClass };
    if (this.isBinary && y.some((v) => v === 1) && y.some((v) => v === 0)) {
      const b = binaryReport(probs.map((p) => p[1]), y);
      Object.assign(report, { auc: b.auc, lift: b.lift });
    }
    return report;
  }

  describe(): string {
    const t = this.target;
    return this.describeLines(this.isBinary ? `P(${t.name} = '${t.classes[1]}') per text (column 'probability')` : `the most likely '${t.name}' of ${t.classes.length} labels`).join('\n');
  }

  static async load(path: string): Promise<SentimentModel> {
    const m = await loadModel(path);
    if (!(m instanceof SentimentModel)) throw new TypeError(`SentimentModel.load: ${path} does not hold a sentiment model`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): SentimentModel {
    const parts = partsFromSafetensors(tensors, meta, { kind: SentimentModel.kind, preset: 'SentimentModel' });
    return buildFromParts(parts, () => new SentimentModel(textStateFromParts(parts, 'SentimentModel')));
  }
}

registerPreset(SentimentModel);
