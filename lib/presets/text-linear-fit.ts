// Fitting the linear members of a text preset's blend on the folds its networks used, so every
// member's out-of-fold logits are on the same held-out rows. Chosen by out-of-fold log loss
// (after temperature scaling): the ridge C from a grid (warm-started from the previous C) and
// whether the lexicon features help; with two classes, an NB-LR member too (its naive-Bayes
// ratios counted on each fold's training rows only). The final members are refit on all rows.
import { LEXICON_FEATURES } from '../data/text/lexicon.js';
import type { Fold } from './fit-folds.js';
import { fitTemperature, nll } from './text-calibrate.js';
import {
  type SparseRows, TextLinear, dropColumnsFrom, fitSoftmax, lexiconStandardization, linearVocabulary, nbRatios, softmaxLogits, sparseRows,
} from './text-linear.js';

/**
 * Most weights of one linear member (classes x columns): L-BFGS keeps ~23 vectors of this size
 * (185 MB at 1M), so many classes over a large vocabulary keep the most frequent n-grams.
 */
export const MAX_WEIGHTS = 1_000_000;

/**
 * Below this many training words in all, character 3-5-grams are columns too: in a chatbot's
 * few dozen messages words rarely repeat but their pieces do (typos, inflections, compounds).
 * Above it they would multiply the fitting time for little gain (fine_foods: +0.001 AUC).
 */
export const CHAR_NGRAM_WORDS = 50_000;

/** Ridge strengths tried (scikit-learn's C: larger is weaker regularization). */
export const RIDGE_GRID = [1, 4, 16, 64];

export interface LinearMember {
  name: 'logistic' | 'nb-logistic';
  model: TextLinear;
  /** Out-of-fold logits, `classes` per row over all rows (NaN for rows no fold held out). */
  outOfFold: Float64Array;
  C: number;
  lexicon: boolean;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** x with the n-gram columns (below d) of each value scaled by ratio[col]. */
function scaled(x: SparseRows, ratio: Float32Array, d: number): SparseRows {
  const vals = Float64Array.from(x.vals, (v, p) => (x.cols[p] < d ? v * ratio[x.cols[p]] : v));
  return { ...x, vals };
}

interface Candidate {
  C: number;
  lexicon: boolean;
  outOfFold: Float64Array;
  loss: number;
}

/** Trains one configuration on every fold (warm starts per fold in `starts`), returning its out-of-fold logits and log loss. */
async function crossValidate(
  xOf: (fold: Fold) => SparseRows, labels: ArrayLike<number>, folds: Fold[], rows: number, c: number, C: number, starts: Map<number, Float64Array>,
): Promise<{ outOfFold: Float64Array; loss: number }> {
  const outOfFold = new Float64Array(rows * c).fill(NaN), scored: number[] = [];
  for (const fold of folds) {
    const x = xOf(fold);
    const w = fitSoftmax(x, labels, fold.train, c, C, starts.get(fold.index));
    starts.set(fold.index, w);
    const z = softmaxLogits(x, w, fold.validation, c);
    fold.validation.forEach((i, r) => {
      for (let j = 0; j < c; j++) outOfFold[i * c + j] = z[r * c + j];
      scored.push(i);
    });
    await yieldToEventLoop();
  }
  scored.sort((a, b) => a - b);
  const ys = scored.map((i) => labels[i]), z = Float32Array.from(scored.flatMap((i) => Array.from(outOfFold.subarray(i * c, (i + 1) * c))));
  return { outOfFold, loss: nll(z, ys, c, fitTemperature(z, ys, c)) };
}

/**
 * The linear members for texts (normalized, negation-marked words per row) with class ids
 * `labels`, validated on `folds`: logistic regression, and NB-LR for two classes.
 */
export async function fitLinearMembers(texts: string[][], labels: ArrayLike<number>, folds: Fold[], c: number): Promise<LinearMember[]> {
  const n = texts.length, all = Array.from({ length: n }, (_, i) => i);
  const chars = texts.reduce((a, w) => a + w.length, 0) < CHAR_NGRAM_WORDS;
  const { slots, idf } = linearVocabulary(texts, undefined, Math.floor(MAX_WEIGHTS / c), chars), d = slots.length;
  const columns = new Map(Array.from(slots, (s, i) => [s, i]));
  const lex = lexiconStandardization(texts);
  const ones = new Float32Array(d).fill(1);
  const withLexicon = sparseRows(texts, columns, idf, ones, lex, chars), noLexicon = dropColumnsFrom(withLexicon, d);
  const rowsOf = (lexicon: boolean) => (lexicon ? withLexicon : noLexicon);
  const width = withLexicon.width;
  const best = (cands: Candidate[]) => cands.reduce((a, b) => (b.loss < a.loss - 1e-6 ? b : a));

  const plain: Candidate[] = [];
  for (const lexicon of [false, true]) {
    const starts = new Map<number, Float64Array>();
    for (const C of RIDGE_GRID) plain.push({ C, lexicon, ...(await crossValidate(() => rowsOf(lexicon), labels, folds, n, c, C, starts)) });
  }
  const lr = best(plain);
  const members: LinearMember[] = [];
  const build = (ratio: Float32Array, w: Float64Array, lexicon: boolean) => {
    const model = new TextLinear({ classes: c, features: d, lexicon, charNgrams: chars });
    model.setState({
      slots, idf, ratio, lexShift: lex.shift, lexScale: lexicon ? lex.scale : new Float32Array(LEXICON_FEATURES),
      weight: Float32Array.from(w.subarray(0, c * width)), bias: Float32Array.from(w.subarray(c * width)),
    });
    return model;
  };
  members.push({ name: 'logistic', model: build(ones, fitSoftmax(rowsOf(lr.lexicon), labels, all, c, lr.C), lr.lexicon), outOfFold: lr.outOfFold, C: lr.C, lexicon: lr.lexicon });
  await yieldToEventLoop();

  if (c === 2 && d > 0) {
    const x = rowsOf(lr.lexicon);
    const ratios = new Map(folds.map((f) => [f.index, scaled(x, nbRatios(x, labels, f.train, d), d)]));
    const nb: Candidate[] = [];
    const starts = new Map<number, Float64Array>();
    for (const C of RIDGE_GRID) nb.push({ C, lexicon: lr.lexicon, ...(await crossValidate((f) => ratios.get(f.index)!, labels, folds, n, c, C, starts)) });
    const b = best(nb), ratio = nbRatios(x, labels, all, d);
    const w = fitSoftmax(scaled(x, ratio, d), labels, all, c, b.C);
    members.push({ name: 'nb-logistic', model: build(ratio, w, b.lexicon), outOfFold: b.outOfFold, C: b.C, lexicon: b.lexicon });
  }
  return members;
}
