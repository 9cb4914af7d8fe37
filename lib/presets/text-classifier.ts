// What SentimentModel and IntentClassifier share once fitted: the featurizer, an ensemble of
// TextNets whose logits are averaged and divided by the calibrated temperature, the class
// list, describe(), and the generic save format (persist.ts: featurizer JSON as the
// preprocessor, the nets as backbones, temperature and threshold in the head).
import { InputError } from '../data/errors.js';
import type { ClassTarget } from '../data/classes.js';
import { type Row, type Table, where } from '../data/table.js';
import { TextFeaturizer } from '../data/text/featurize.js';
import type { TransformOptions } from '../data/preprocess.js';
import { emitWarning } from '../data/errors.js';
import { save as saveModel } from '../io/model-file.js';
import type { Module } from '../nn/module.js';
import { asTable, type InputColumn, type Saved } from './preset.js';
import { type PresetParts, partsToSafetensors } from './persist.js';
import { type FittedText, type TextValidation, softmaxRows, textInputs } from './text-fit.js';
import { TextNet } from './text-net.js';
import { TextLinear, linearWords } from './text-linear.js';
import type { TextMember } from './text-linear-fit.js';
import { TextLsa } from './text-lsa.js';
import { textLogits } from './text-train.js';

export interface TextHead {
  type: 'text-softmax';
  temperature: number;
  /** IntentClassifier: the confidence below which the answer is "out of scope". */
  threshold?: number;
  /** Blend weights: the networks' averaged logits, then each linear member's (absent: networks only). */
  blend?: number[];
}

export interface TextModelState {
  featurizer: TextFeaturizer;
  nets: TextNet[];
  linears: TextMember[];
  textColumn: string;
  target: ClassTarget;
  head: TextHead;
  validation: TextValidation;
  training: FittedText['training'];
}

export abstract class TextClassifier {
  abstract readonly kind: string;
  readonly featurizer: TextFeaturizer;
  readonly nets: TextNet[];
  readonly linears: TextMember[];
  readonly textColumn: string;
  readonly target: ClassTarget;
  readonly head: TextHead;
  readonly validation: TextValidation;
  readonly training: FittedText['training'];

  protected constructor(s: TextModelState) {
    this.featurizer = s.featurizer;
    this.nets = s.nets;
    this.linears = s.linears;
    this.textColumn = s.textColumn;
    this.target = s.target;
    this.head = s.head;
    this.validation = s.validation;
    this.training = s.training;
  }

  get classes(): string[] {
    return [...this.target.classes];
  }

  get inputSchema(): InputColumn[] {
    return [{ name: this.textColumn, type: 'text' }];
  }

  /** The text of each row; a row lacking the text column is an error naming it (or '' with `missing: 'impute'`). */
  protected texts(rows: Row[] | Table | readonly string[], opts: TransformOptions, what: string): unknown[] {
    if (Array.isArray(rows) && rows.some((r) => typeof r === 'string')) {
      if (!rows.every((r) => typeof r === 'string')) throw new InputError(`${what}: expected all strings or all row objects, got a mix`);
      return rows as string[];
    }
    const table = asTable(rows as Row[] | Table, what);
    let lacking = 0;
    const out = table.rows.map((row, i) => {
      if (!row || typeof row !== 'object') throw new InputError(`${where(table, i)} is not an object of column values`);
      if (Object.hasOwn(row, this.textColumn)) {
        const v = row[this.textColumn];
        if (v !== null && v !== undefined && typeof v === 'object') throw new InputError(`${where(table, i)}, column '${this.textColumn}': expected text, got an object`);
        return v;
      }
      if ((opts.missing ?? 'error') === 'error')
        throw new InputError((cli) => `${where(table, i)} lacks the column '${this.textColumn}' the model reads; add it, or pass ${cli ? '--impute-missing' : "{ missing: 'impute' }"} to score it as an empty text`, 'EMISSINGCOLUMNS');
      lacking++;
      return '';
    });
    if (lacking) {
      const detail = { kind: 'imputed-columns' as const, columns: [this.textColumn], source: table.source, rows: lacking };
      (opts.onWarning ?? emitWarning)(`${lacking} row${lacking === 1 ? '' : 's'} lack${lacking === 1 ? 's' : ''} column '${this.textColumn}'; scored as empty texts`, detail);
    }
    return out;
  }

  /** Calibrated probabilities [n, classes] (row-major) of the ensemble. */
  protected probabilities(texts: unknown[]): Float32Array {
    if (!texts.length) return new Float32Array(0);
    const inputs = textInputs(this.featurizer, this.nets[0].spec.encoder, texts);
    const idx = inputs.map((_, i) => i), c = this.target.classes.length;
    const sum = new Float32Array(texts.length * c);
    for (const net of this.nets) {
      const l = textLogits(net, inputs, idx);
      for (let j = 0; j < l.length; j++) sum[j] += l[j];
    }
    const weights = this.head.blend ?? [1];
    for (let j = 0; j < sum.length; j++) sum[j] *= weights[0] / this.nets.length;
    if (this.linears.length) {
      const words = texts.map((t) => linearWords(this.featurizer.words(t)));
      this.linears.forEach((m, k) => {
        const l = m.logits(words);
        for (let j = 0; j < l.length; j++) sum[j] += weights[k + 1] * l[j];
      });
    }
    return softmaxRows(sum, c, this.head.temperature);
  }

  /** n × classes probabilities in `classes` order, each row summing to 1. */
  predictProba(rows: Row[] | Table | readonly string[], opts: TransformOptions = {}): number[][] {
    const p = this.probabilities(this.texts(rows, opts, `${this.constructor.name}.predictProba`)), c = this.target.classes.length;
    return Array.from({ length: p.length / c }, (_, i) => Array.from(p.subarray(i * c, (i + 1) * c)));
  }

  /** Subword tokens the model reads of a text (for people debugging a prediction). */
  tokenize(text: string): string[] {
    return this.featurizer.tokenize(text);
  }

  protected describeLines(predicts: string): string[] {
    const v = this.validation, spec = this.nets[0].spec;
    const counts = this.classes.map((c, i) => `${this.training.counts[i]} '${c}'`);
    const e = v.epochs, span = e.length ? (Math.min(...e) === Math.max(...e) ? `${e[0]}` : `${Math.min(...e)}-${Math.max(...e)}`) : '';
    const measures = [v.auc !== undefined && `ROC AUC ${v.auc.toFixed(4)}`, `accuracy ${v.accuracy.toFixed(4)}`, `log loss ${v.logLoss.toFixed(4)}`].filter(Boolean);
    return [
      `${this.constructor.name} (kind '${this.kind}'): ${predicts}`,
      `input: text column '${this.textColumn}'; ${spec.encoder === 'bag' ? 'bag-of-n-grams' : 'Transformer'} encoder (dim ${spec.dim}), ${this.featurizer.vocabSize} subwords${spec.encoder === 'bag' ? ` + ${this.featurizer.state.buckets} hashed n-gram slots` : ''}`,
      `trained on ${this.training.rows} rows (${counts.slice(0, 12).join(', ')}${counts.length > 12 ? ', ...' : ''}); ${this.nets.length} network${this.nets.length === 1 ? '' : 's'}${span ? ` (${span} epochs)` : ''}; temperature ${this.head.temperature.toFixed(3)}`,
      ...(this.linears.length ? [`blended with ${(v.members ?? []).slice(1).join(' and ')}; weights ${(this.head.blend ?? []).map((w) => w.toFixed(2)).join(' / ')} (networks first, chosen on out-of-fold rows)`] : []),
      `out-of-fold ${measures.join(', ')}`,
    ];
  }

  protected parts(): PresetParts {
    return {
      preprocessor: { text: this.featurizer.toJSON(), column: this.textColumn },
      backbones: [...this.nets, ...this.linears] as Module[],
      head: { ...this.head },
      info: { target: this.target, validation: this.validation, training: this.training },
    };
  }

  toSafetensors(): Saved {
    return partsToSafetensors({ kind: this.kind, preset: this.constructor.name }, this.parts());
  }

  save(path: string): Promise<void> {
    return saveModel(this as never, path);
  }
}

/** The state of a text model from persisted parts; checks what the generic reader cannot. */
export function textStateFromParts(parts: PresetParts, what: string): TextModelState {
  const pre = parts.preprocessor as { text?: unknown; column?: unknown };
  if (!pre || typeof pre.column !== 'string') throw new Error(`${what}: the file has no text column`);
  const featurizer = TextFeaturizer.fromJSON(pre.text, what);
  const head = parts.head as unknown as TextHead;
  if (head.type !== 'text-softmax' || !(head.temperature > 0)) throw new Error(`${what}: the file's head is not a text classifier's`);
  if (head.threshold !== undefined && !(head.threshold >= 0 && head.threshold <= 1)) throw new Error(`${what}: the file's threshold is not in [0, 1]`);
  const info = parts.info as { target?: ClassTarget; validation?: TextValidation; training?: FittedText['training'] };
  const classes = info.target?.classes;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string')) throw new Error(`${what}: the file lists no classes`);
  const isMember = (m: Module): m is TextMember => m instanceof TextLinear || m instanceof TextLsa;
  const nets = parts.backbones.filter((m) => !isMember(m)) as TextNet[];
  const linears = parts.backbones.filter(isMember);
  if (!nets.length) throw new Error(`${what}: the file has no networks`);
  for (const m of linears) if (m.spec.classes !== classes.length) throw new Error(`${what}: the file's linear models do not match its ${classes.length} classes`);
  const blend = head.blend;
  if (blend !== undefined && !(Array.isArray(blend) && blend.length === linears.length + 1 && blend.every((w) => typeof w === 'number' && w >= 0 && w <= 1)))
    throw new Error(`${what}: the file's blend weights do not match its ${linears.length + 1} members`);
  if (blend === undefined && linears.length) throw new Error(`${what}: the file has linear models but no blend weights`);
  for (const net of nets) {
    if (!(net instanceof TextNet) || net.spec.outputs !== classes.length) throw new Error(`${what}: the file's networks do not match its ${classes.length} classes`);
    const expected = net.spec.encoder === 'bag' ? featurizer.bagSize : featurizer.vocabSize;
    if (net.spec.inputs !== expected) throw new Error(`${what}: the file's networks read ${net.spec.inputs} ids but its vocabulary has ${expected}`);
  }
  return { featurizer, nets, linears, textColumn: pre.column, target: info.target!, head, validation: info.validation!, training: info.training ?? { rows: 0, counts: classes.map(() => 0) } };
}
