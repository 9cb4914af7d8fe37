// The linear member of the text presets' blend: multinomial logistic regression on TF-IDF word
// 1-2-grams (negation-marked, hashed, kept when in at least 2 training texts; sublinear TF,
// smoothed IDF, unit L2 norm, as scikit-learn's TfidfVectorizer; small corpora add the words'
// character 3-5-grams), optionally with naive-Bayes
// log-count ratios as column scales (NB-LR, Wang & Manning 2012) and the AFINN and VADER
// lexicon features. On small sentiment sets such a model is as strong as the networks and makes
// different errors, so their blend (text-blend.ts) beats either. Trained by L-BFGS.
import { markNegation } from '../data/text/negation.js';
import { lexiconBlock, lexiconWidth } from '../data/text/lexicon.js';
import { charNgramSlots, wordNgramSlots } from '../data/text/hashing.js';
import { Module, type ModuleConfig, buffer } from '../nn/module.js';
import { registerModule } from '../nn/registry.js';
import { linear } from '../ops/linalg.js';
import { lbfgs } from '../optim/lbfgs.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';

/** Hash space of the n-grams; only the slots seen in training are stored (their ids stay exact in float32). */
export const LINEAR_BUCKETS = 1 << 22;
const NGRAMS = 2;
/** Lexicon columns are standardized, then scaled to about one TF-IDF entry's size so the L2 penalty treats them alike. */
const LEXICON_SCALE = 0.1;

export interface TextLinearConfig {
  classes: number;
  /** Stored n-gram columns. */
  features: number;
  /** Whether the lexicon features are read. */
  lexicon: boolean;
  /** Whether the lexicon block has VADER's eight features after AFINN's (absent, in files from before: AFINN only). */
  vader?: boolean;
  /** Whether the words' character 3-5-grams are columns too (small corpora; absent: no). */
  charNgrams?: boolean;
}

/** Texts as sparse rows (CSR) over the n-gram columns, then the lexicon columns. */
export interface SparseRows {
  indptr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
  /** Columns: n-gram columns, then the lexicon block's (lexiconWidth). */
  width: number;
}

/** Negation-marked words of a text's normalized words. */
export const linearWords = (words: string[]): string[] => markNegation(words);

const WORDLIKE = /^[\p{L}\p{M}\p{N}¬]/u;

/** Slot counts of a text's word 1-2-grams, and with `chars` its words' character 3-5-grams (fastText's '<word>' pieces). */
function ngramCounts(words: string[], chars: boolean): Map<number, number> {
  const counts = new Map<number, number>(), slots = wordNgramSlots(words, NGRAMS, LINEAR_BUCKETS) as number[];
  if (chars) charNgramSlots(words.filter((w) => WORDLIKE.test(w)), 3, 5, LINEAR_BUCKETS, slots);
  for (const slot of slots) counts.set(slot, (counts.get(slot) ?? 0) + 1);
  return counts;
}

/**
 * Below this many training texts every n-gram is kept; from it on, those in >= 2 texts. A
 * chatbot's few examples per intent share few words, and a word seen once still tells.
 */
export const MIN_DF_ROWS = 1000;

/** The n-gram vocabulary of training texts: slots in >= 2 texts (every slot for small sets), at most `maxColumns` (the most frequent), and their smoothed IDF. */
export function linearVocabulary(texts: string[][], minDf = texts.length >= MIN_DF_ROWS ? 2 : 1, maxColumns = Infinity, chars = false): { slots: Float32Array; idf: Float32Array } {
  const df = new Map<number, number>();
  for (const w of texts) for (const slot of ngramCounts(w, chars).keys()) df.set(slot, (df.get(slot) ?? 0) + 1);
  let kept = [...df.entries()].filter(([, n]) => n >= minDf);
  // The most frequent n-grams when there are too many (ties by slot, so the choice is repeatable).
  if (kept.length > maxColumns) kept = kept.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxColumns);
  kept.sort((a, b) => a[0] - b[0]);
  return {
    slots: Float32Array.from(kept, ([s]) => s),
    idf: Float32Array.from(kept, ([, n]) => Math.log((1 + texts.length) / (1 + n)) + 1),
  };
}

export class TextLinear extends Module {
  /** [features] hashed n-gram slot of each column. */
  slots: Tensor;
  /** [features] IDF of each column. */
  idf: Tensor;
  /** [features] column scale after normalization (naive-Bayes ratios; 1 for plain logistic regression). */
  ratio: Tensor;
  /** [lexiconWidth] training means and scales of the lexicon features. */
  lexShift: Tensor;
  lexScale: Tensor;
  /** [classes, features + lexiconWidth] and [classes]. */
  weight: Tensor;
  bias: Tensor;
  #columns: Map<number, number> | null = null;
  #values: { idf: Float32Array; ratio: Float32Array; shift: Float32Array; scale: Float32Array; weight: Float32Array; bias: Float32Array } | null = null;

  constructor(readonly spec: TextLinearConfig) {
    super();
    const { classes: c, features: d } = spec, lw = lexiconWidth(spec.vader ?? false);
    if (!Number.isInteger(c) || c < 2 || !Number.isInteger(d) || d < 0) throw new RangeError('TextLinear: classes must be an integer >= 2 and features >= 0');
    const zeros = (n: number) => buffer(tensor(new Float32Array(n), { shape: [n], device: 'cpu' }));
    this.slots = zeros(d);
    this.idf = zeros(d);
    this.ratio = zeros(d);
    this.lexShift = zeros(lw);
    this.lexScale = zeros(lw);
    this.weight = buffer(tensor(new Float32Array(c * (d + lw)), { shape: [c, d + lw], device: 'cpu' }));
    this.bias = zeros(c);
  }

  /** Sets every buffer (after training). */
  setState(s: { slots: Float32Array; idf: Float32Array; ratio: Float32Array; lexShift: Float32Array; lexScale: Float32Array; weight: Float32Array; bias: Float32Array }): void {
    const own = this.stateDict();
    this.loadStateDict(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, tensor(v, { shape: own[k].shape, device: 'cpu' })])));
    this.#columns = null;
    this.#values = null;
  }

  override loadStateDict(state: Record<string, Tensor>, opts?: { strict?: boolean }) {
    this.#columns = null;
    this.#values = null;
    return super.loadStateDict(state, opts);
  }

  /** Dense features [n, features + lexiconWidth] -> logits [n, classes]. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  #cache() {
    if (!this.#values) {
      const f = (t: Tensor) => Float32Array.from(t.dataSync() as Float32Array);
      this.#values = { idf: f(this.idf), ratio: f(this.ratio), shift: f(this.lexShift), scale: f(this.lexScale), weight: f(this.weight), bias: f(this.bias) };
      this.#columns = new Map(Array.from(this.slots.dataSync() as Float32Array, (s, i) => [s, i]));
    }
    return { ...this.#values, columns: this.#columns! };
  }

  /** Sparse rows of texts' negation-marked words, with this model's vocabulary and scales. */
  rows(texts: string[][]): SparseRows {
    const v = this.#cache();
    return sparseRows(texts, v.columns, v.idf, v.ratio, this.spec.lexicon ? { shift: v.shift, scale: v.scale } : null, this.spec.charNgrams ?? false, this.spec.vader ?? false);
  }

  /** Logits [n * classes] of texts' negation-marked words. */
  logits(texts: string[][]): Float32Array {
    const v = this.#cache(), x = this.rows(texts), c = this.spec.classes, width = x.width;
    const out = new Float32Array(texts.length * c);
    for (let i = 0; i < texts.length; i++)
      for (let j = 0; j < c; j++) {
        let z = v.bias[j];
        for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) z += x.vals[p] * v.weight[j * width + x.cols[p]];
        out[i * c + j] = z;
      }
    return out;
  }

  override config(): ModuleConfig {
    return { type: 'TextLinear', args: [this.spec] };
  }
}

registerModule('TextLinear', TextLinear);

/** CSR rows: TF-IDF n-gram columns (unit L2 norm, then times `ratio`), then the standardized lexicon columns (with VADER's when `vader`) when given. */
export function sparseRows(
  texts: string[][], columns: Map<number, number>, idf: ArrayLike<number>, ratio: ArrayLike<number>,
  lexicon: { shift: ArrayLike<number>; scale: ArrayLike<number> } | null, chars = false, vader = false,
): SparseRows {
  const d = columns.size, indptr = new Int32Array(texts.length + 1), cols: number[] = [], vals: number[] = [];
  texts.forEach((w, i) => {
    const start = cols.length;
    for (const [slot, n] of ngramCounts(w, chars)) {
      const col = columns.get(slot);
      if (col !== undefined) cols.push(col), vals.push((1 + Math.log(n)) * idf[col]);
    }
    let norm = 0;
    for (let p = start; p < vals.length; p++) norm += vals[p] * vals[p];
    norm = Math.sqrt(norm) || 1;
    for (let p = start; p < vals.length; p++) vals[p] = (vals[p] / norm) * ratio[cols[p]];
    if (lexicon) lexiconBlock(w, vader).forEach((x, k) => (cols.push(d + k), vals.push((x - lexicon.shift[k]) * lexicon.scale[k])));
    indptr[i + 1] = cols.length;
  });
  return { indptr, cols: Int32Array.from(cols), vals: Float64Array.from(vals), width: d + lexiconWidth(vader) };
}

/** Means and scales (LEXICON_SCALE / sd) of the lexicon features (with VADER's when `vader`) of training texts. */
export function lexiconStandardization(texts: string[][], vader = false): { shift: Float32Array; scale: Float32Array } {
  const lw = lexiconWidth(vader), feats = texts.map((w) => lexiconBlock(w, vader)), n = Math.max(1, feats.length);
  const shift = new Float32Array(lw), scale = new Float32Array(lw);
  for (let k = 0; k < lw; k++) {
    const mean = feats.reduce((s, f) => s + f[k], 0) / n;
    const sd = Math.sqrt(feats.reduce((s, f) => s + (f[k] - mean) ** 2, 0) / n);
    shift[k] = mean;
    scale[k] = sd > 1e-9 ? LEXICON_SCALE / sd : 0;
  }
  return { shift, scale };
}

/**
 * Naive-Bayes log-count ratios of binary presence per column (two classes, Laplace alpha 1):
 * log((p / |p|_1) / (q / |q|_1)) with p, q the presence counts + 1 in positive / negative rows.
 */
export function nbRatios(x: SparseRows, labels: ArrayLike<number>, rows: number[], d: number): Float32Array {
  const p = new Float64Array(d).fill(1), q = new Float64Array(d).fill(1);
  for (const i of rows)
    for (let k = x.indptr[i]; k < x.indptr[i + 1]; k++) if (x.cols[k] < d && x.vals[k] !== 0) (labels[i] === 1 ? p : q)[x.cols[k]] += 1;
  let sp = 0, sq = 0;
  for (let j = 0; j < d; j++) (sp += p[j]), (sq += q[j]);
  return Float32Array.from({ length: d }, (_, j) => Math.log(p[j] / sp / (q[j] / sq)));
}

/** x without the columns from `d` on (the lexicon columns), same width (their weights stay 0). */
export function dropColumnsFrom(x: SparseRows, d: number): SparseRows {
  const indptr = new Int32Array(x.indptr.length), cols: number[] = [], vals: number[] = [];
  for (let i = 0; i + 1 < x.indptr.length; i++) {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) if (x.cols[p] < d) cols.push(x.cols[p]), vals.push(x.vals[p]);
    indptr[i + 1] = cols.length;
  }
  return { indptr, cols: Int32Array.from(cols), vals: Float64Array.from(vals), width: x.width };
}

/**
 * The L2-regularized softmax regression objective over `rows` of x: C * sum of cross-entropies
 * + |W|^2 / 2 (bias unpenalized), as scikit-learn's LogisticRegression. Parameters: W row-major
 * [classes, width], then the bias [classes].
 */
export function softmaxObjective(x: SparseRows, labels: ArrayLike<number>, rows: number[], c: number, C: number) {
  const { indptr, cols, vals, width } = x, z = new Float64Array(c), b = c * width;
  return (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (const i of rows) {
      const start = indptr[i], end = indptr[i + 1], y = labels[i];
      for (let j = 0; j < c; j++) {
        let s = w[b + j];
        const o = j * width;
        for (let p = start; p < end; p++) s += vals[p] * w[o + cols[p]];
        z[j] = s;
      }
      let m = -Infinity;
      for (let j = 0; j < c; j++) m = Math.max(m, z[j]);
      let sum = 0;
      for (let j = 0; j < c; j++) sum += Math.exp(z[j] - m);
      const lse = m + Math.log(sum);
      loss += lse - z[y];
      for (let j = 0; j < c; j++) {
        const r = C * (Math.exp(z[j] - lse) - (j === y ? 1 : 0)), o = j * width;
        grad[b + j] += r;
        for (let p = start; p < end; p++) grad[o + cols[p]] += r * vals[p];
      }
    }
    let reg = 0;
    for (let k = 0; k < b; k++) (reg += w[k] * w[k]), (grad[k] += w[k]);
    return C * loss + reg / 2;
  };
}

/** Fitted weights (W then bias, as softmaxObjective) of rows of x, from `start` (warm start) or zeros. */
export function fitSoftmax(x: SparseRows, labels: ArrayLike<number>, rows: number[], c: number, C: number, start?: Float64Array): Float64Array {
  return lbfgs(softmaxObjective(x, labels, rows, c, C), start ?? new Float64Array(c * (x.width + 1)), { maxIterations: 300, tolerance: 1e-4, valueTolerance: 1e-9 }).x;
}

/** Logits [rows.length * c] of weights on rows of x. */
export function softmaxLogits(x: SparseRows, w: Float64Array, rows: number[], c: number): Float32Array {
  const width = x.width, out = new Float32Array(rows.length * c);
  rows.forEach((i, r) => {
    for (let j = 0; j < c; j++) {
      let s = w[c * width + j];
      for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) s += x.vals[p] * w[j * width + x.cols[p]];
      out[r * c + j] = s;
    }
  });
  return out;
}
