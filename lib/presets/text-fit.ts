// Fitting the text presets (SentimentModel, IntentClassifier): the text column and the labels
// are checked, the featurizer (normalization, subword vocabulary) is fitted on the training
// texts, and an ensemble of TextNets is trained on stratified folds, each early-stopped on its
// own held-out fold. The out-of-fold logits give honest validation measures and calibrate the
// head: one temperature T (logits / T) minimizing their log loss (Guo et al. 2017), so the
// probabilities, and an intent's confidence threshold, mean what they say.
import { classTarget, encodeClasses, type ClassTarget } from '../data/classes.js';
import { InputError, columnList } from '../data/errors.js';
import type { ReadOptions } from '../data/source.js';
import { type Table, type Value, toTable } from '../data/table.js';
import { TextFeaturizer, type TextOptions } from '../data/text/featurize.js';
import { rocAuc } from '../metrics/classification.js';
import { fitFolds, planFolds } from './fit-folds.js';
import type { Data } from './preset.js';
import type { TextEncoderKind, TextNet } from './text-net.js';
import type { TransformerTextOptions } from '../nn/layers/text.js';
import { type TextInput, type TextTrainOptions, trainTextNet } from './text-train.js';
import { nll, softmaxRows } from './text-calibrate.js';
import { blendMembers } from './text-blend.js';
import { type LinearMember, type TextMember, fitLinearMembers, fitLsaMember, lsaPool } from './text-linear-fit.js';
import { linearWords } from './text-linear.js';
import { isMissing } from '../data/values.js';
import { fitTemperature } from './text-calibrate.js';

export { fitTemperature, softmaxRows };

export interface TextFitOptions extends TextTrainOptions {
  /** The column holding the text. */
  text: string;
  /** The column holding the label (sentiment, intent). */
  target: string;
  /** 'bag' (default: fast, hashed word n-grams and subwords) or 'transformer' (subwords in order). */
  encoder?: TextEncoderKind;
  /** Width of the text vector (default 32 for bags, 64 for a transformer). */
  dim?: number;
  /** Dropout on the text vector (default 0.2). */
  dropout?: number;
  /** Transformer shape (heads, layers, feedforward, dropout; maxLength is the featurizer's maxTokens). */
  transformer?: Omit<TransformerTextOptions, 'dim' | 'maxLength'>;
  /** Normalization, subword vocabulary and n-gram hashing settings. */
  textOptions?: TextOptions;
  /** Networks trained on folds and averaged (default 3; 1 trains one on 80% of the rows). */
  ensemble?: number;
  /** Most classes (default 100). */
  maxClasses?: number;
  read?: ReadOptions;
  /** Blend the networks with logistic regression and NB-LR on TF-IDF n-grams, weights chosen on out-of-fold rows (default true; false: networks only). */
  linear?: boolean;
  /**
   * Texts without labels (plain strings, or rows / a file with the same text column): a
   * latent-semantic member learned from them and the labelled texts joins the blend (kept when
   * the folds say it helps). Worth it with few labels and many unlabelled texts.
   */
  unlabelled?: Data | readonly string[];
  /** Told when each network of the ensemble starts and ends (for progress reports). */
  onNetwork?: (info: { network: number; networks: number; epochs?: number }) => void;
}

export interface TextValidation {
  /** Out-of-fold accuracy and log loss (after temperature scaling), and ROC AUC for two classes. */
  accuracy: number;
  logLoss: number;
  auc?: number;
  epochs: number[];
  /** The blended members ('networks', then linear models) and their weights (absent in files from before blends). */
  members?: string[];
  weights?: number[];
}

export interface FittedText {
  featurizer: TextFeaturizer;
  nets: TextNet[];
  /** Linear members of the blend (may be none). */
  linears: TextMember[];
  /** Blend weights: the networks' averaged logits first, then one per linear member. */
  blend: number[];
  textColumn: string;
  target: ClassTarget;
  temperature: number;
  validation: TextValidation;
  training: { rows: number; counts: number[] };
  /** Out-of-fold probabilities [rows scored, classes] and their labels, for thresholds. */
  outOfFold: { probs: Float32Array; labels: number[] };
}

function checkText(table: Table, opts: TextFitOptions, what: string): void {
  if (!opts || typeof opts.text !== 'string') throw new TypeError(`${what}.fit: options.text (the column holding the text) is required`);
  if (typeof opts.target !== 'string') throw new TypeError(`${what}.fit: options.target (the label column) is required`);
  for (const [role, name] of [['text', opts.text], ['target', opts.target]] as const)
    if (!table.columns.includes(name) && !table.rows.some((r) => r && Object.hasOwn(r, name)))
      throw new InputError(`${what}.fit: the ${role} column '${name}' is not in the data (columns: ${columnList(table.columns)})`);
  if (opts.text === opts.target) throw new InputError(`${what}.fit: the text and target columns must differ (both are '${opts.text}')`);
  if (opts.linear !== undefined && typeof opts.linear !== 'boolean') throw new InputError(`${what}.fit: linear must be true or false, got ${JSON.stringify(opts.linear)}`);
  const encoder = opts.encoder ?? 'bag';
  if (encoder !== 'bag' && encoder !== 'transformer') throw new InputError(`${what}.fit: encoder must be 'bag' or 'transformer', got ${JSON.stringify(encoder)}`);
}

/** The unlabelled texts of `opts.unlabelled` (missing and empty ones left out). */
async function unlabelledTexts(opts: TextFitOptions, what: string): Promise<unknown[]> {
  const u = opts.unlabelled;
  if (u === undefined) return [];
  if (opts.linear === false) throw new InputError(`${what}.fit: unlabelled texts feed a member of the blend, and linear: false turns the blend off`);
  let texts: unknown[];
  if (Array.isArray(u) && u.every((t) => typeof t === 'string')) texts = u;
  else {
    const table = await toTable(u as Data, `${what}.fit: unlabelled`, opts.read);
    if (!table.columns.includes(opts.text) && !table.rows.some((r) => r && Object.hasOwn(r, opts.text)))
      throw new InputError(`${what}.fit: the unlabelled texts have no column '${opts.text}' (columns: ${columnList(table.columns)})`);
    texts = table.rows.map((r) => r?.[opts.text]);
    const bad = texts.findIndex((t) => t !== null && typeof t === 'object');
    if (bad >= 0) throw new InputError(`${what}.fit: unlabelled row ${bad + 1}, column '${opts.text}': expected text, got an object`);
  }
  texts = texts.filter((t) => !isMissing(t as Value) && String(t).trim() !== '');
  if (!texts.length) throw new InputError(`${what}.fit: the unlabelled data has no texts`);
  return texts;
}

const memberName = (m: LinearMember) =>
  m.name === 'lexicon' ? `lexicon features (${m.lexicon.toUpperCase().replace('+', ' + ')}; C ${m.C})`
  : m.name === 'lsa' ? `latent semantic features (${(m.model.spec as { components: number }).components} dimensions learned with the unlabelled texts; C ${m.C})`
  : `${m.name} (C ${m.C}${m.lexicon === 'none' ? '' : `, ${m.lexicon.toUpperCase().replace('+', ' + ')}`})`;

/** What the network reads of each row's text. */
export function textInputs(featurizer: TextFeaturizer, encoder: TextEncoderKind, texts: unknown[]): TextInput[] {
  return texts.map((t) => (encoder === 'bag' ? featurizer.features(t) : featurizer.tokenizer.encode(featurizer.words(t), featurizer.state.maxTokens)));
}

export async function fitTextClassifier(data: Data, opts: TextFitOptions, what: string, twoLabels?: (t: Table) => ClassTarget | undefined): Promise<FittedText> {
  if (!opts || typeof opts !== 'object') throw new TypeError(`${what}.fit: options { text, target } are required`);
  const table = await toTable(data, `${what}.fit`, opts.read);
  checkText(table, opts, what);
  const k = opts.ensemble ?? 3;
  if (!Number.isInteger(k) || k < 1 || k > 20) throw new RangeError(`${what}.fit: ensemble must be an integer from 1 to 20`);
  const target = twoLabels?.(table) ?? classTarget(table, opts.target, { maxClasses: opts.maxClasses }).target;
  const y = encodeClasses(table, target);
  const counts = target.classes.map((_, c) => y.reduce((s, v) => s + (v === c ? 1 : 0), 0));
  const small = counts.findIndex((n) => n < Math.max(2, k));
  if (small >= 0)
    throw new InputError((cli) => `${what}.fit: class '${target.classes[small]}' has ${counts[small]} row${counts[small] === 1 ? '' : 's'}; each class needs at least ${Math.max(2, k)} for ${k} validation fold${k === 1 ? '' : 's'} (use more rows or a smaller ${cli ? '--ensemble' : 'ensemble'})`);
  const texts = table.rows.map((r) => r[opts.text]);
  const extra = await unlabelledTexts(opts, what);
  const encoder = opts.encoder ?? 'bag';
  const featurizer = TextFeaturizer.fit(texts, { negation: true, ...opts.textOptions }, `${what}.fit`);
  const inputs = textInputs(featurizer, encoder, texts);
  const c = target.classes.length;
  const dim = opts.dim ?? (encoder === 'bag' ? 32 : 64);
  if (!Number.isInteger(dim) || dim < 1 || dim > 4096) throw new RangeError(`${what}.fit: dim must be an integer from 1 to 4096`);
  const spec = {
    encoder, inputs: encoder === 'bag' ? featurizer.bagSize : featurizer.vocabSize, dim, outputs: c, dropout: opts.dropout ?? 0.2,
    ...(encoder === 'transformer' ? { transformer: { ...opts.transformer, maxLength: featurizer.state.maxTokens } } : {}),
  };
  const epochs: number[] = [];
  const folds = planFolds(y, k, opts.seed ?? 42);
  const ensemble = await fitFolds(folds, y.length, c, async (fold) => {
    opts.onNetwork?.({ network: fold.index + 1, networks: k });
    const r = await trainTextNet(spec, inputs, y, fold.train, fold.validation, target.classes.map(() => 1), { ...opts, seed: fold.seed });
    epochs.push(r.epochs);
    opts.onNetwork?.({ network: fold.index + 1, networks: k, epochs: r.epochs });
    return { model: r.net, validationOutputs: r.validationLogits };
  });
  const scored = ensemble.scored, labels = scored.map((i) => y[i]);
  // The linear members (logistic regression, NB-LR) on the same folds, then the blend of all
  // members' out-of-fold logits with the least log loss: members that do not help get weight 0.
  const words = opts.linear === false ? [] : texts.map((t) => linearWords(featurizer.words(t)));
  const linear = opts.linear === false ? [] : await fitLinearMembers(words, y, folds, c);
  if (extra.length) {
    // Sampled before normalizing: a million unlabelled texts cost no more than the cap's worth.
    const pool = lsaPool(extra, texts.length, opts.seed ?? 42).map((t) => linearWords(featurizer.words(t)));
    const lsa = await fitLsaMember(words, pool, y, folds, c, opts.seed ?? 42);
    if (lsa) linear.push(lsa);
  }
  const blend = blendMembers([ensemble.outOfFold, ...linear.map((m) => m.outOfFold)], scored, labels, c);
  const kept = linear.filter((_, k) => blend.weights[k + 1] > 0);
  const weights = [blend.weights[0], ...linear.map((_, k) => blend.weights[k + 1]).filter((w) => w > 0)];
  const oof = blend.logits, temperature = blend.temperature;
  const probs = softmaxRows(oof, c, temperature);
  let hits = 0;
  labels.forEach((l, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (probs[i * c + j] > probs[i * c + best]) best = j;
    if (best === l) hits++;
  });
  const validation: TextValidation = {
    accuracy: hits / labels.length, logLoss: nll(oof, labels, c, temperature), epochs,
    ...(c === 2 ? { auc: rocAuc(labels.map((_, i) => probs[i * 2 + 1]), labels) } : {}),
    members: ['networks', ...kept.map(memberName)],
    weights,
  };
  return { featurizer, nets: ensemble.models, linears: kept.map((m) => m.model), blend: weights, textColumn: opts.text, target, temperature, validation, training: { rows: y.length, counts }, outOfFold: { probs, labels } };
}
