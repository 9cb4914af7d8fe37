// Fitting the linear members of a text preset's blend on the folds its networks used, so every
// member's out-of-fold logits are on the same held-out rows. Chosen by out-of-fold log loss
// (after temperature scaling): the ridge C from a grid (warm-started from the previous C) and
// whether the lexicon features help; with two classes, an NB-LR member too (its naive-Bayes
// ratios counted on each fold's training rows only), and a lexicon member: logistic regression
// on the lexicon features alone, which short texts (a tweet, a one-line review: few n-grams
// seen in training) lean on. The final members are refit on all rows.
import { lexiconWidth } from '../data/text/lexicon.js';
import { truncatedSvd } from '../data/text/truncated-svd.js';
import { seededRandom } from '../train/data.js';
import type { Fold } from './fit-folds.js';
import { fitTemperature, nll } from './text-calibrate.js';
import {
  type SparseRows, TextLinear, type TextLinearConfig, dropColumnsFrom, fitSoftmax, lexiconStandardization, linearVocabulary, nbRatios, softmaxLogits, sparseRows,
} from './text-linear.js';
import { TextLsa, latentRows } from './text-lsa.js';

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

/**
 * The lexicon member's: its 16 columns are scaled to 0.1 / sd (LEXICON_SCALE), so C 100 there
 * is C 1 on standardized features; fine_foods chose 10 (whole reviews) and 100 (60 characters).
 */
export const LEXICON_RIDGE_GRID = [1, 10, 100, 1000];

/**
 * Lexicon blocks a member may read: none, AFINN's 8 features, or AFINN's then VADER's 8. The
 * n-gram members choose between the first two on the folds: with VADER too, fine_foods' 5-fold
 * AUC moved by +0.0005 (noise) for +0.25 ms a text. The lexicon member reads both: VADER's rules
 * (boosters, "but", caps, '!') help most where texts are short and few n-grams repeat.
 */
export type LexiconChoice = 'none' | 'afinn' | 'afinn+vader';
const NGRAM_LEXICONS: LexiconChoice[] = ['none', 'afinn'];

/** A linear member of the blend: it scores texts' negation-marked words. */
export type TextMember = TextLinear | TextLsa;

export interface LinearMember {
  name: 'logistic' | 'nb-logistic' | 'lexicon' | 'lsa';
  model: TextMember;
  /** Out-of-fold logits, `classes` per row over all rows (NaN for rows no fold held out). */
  outOfFold: Float64Array;
  C: number;
  lexicon: LexiconChoice;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** x with the n-gram columns (below d) of each value scaled by ratio[col]. */
function scaled(x: SparseRows, ratio: Float32Array, d: number): SparseRows {
  const vals = Float64Array.from(x.vals, (v, p) => (x.cols[p] < d ? v * ratio[x.cols[p]] : v));
  return { ...x, vals };
}

interface Candidate {
  C: number;
  lexicon: LexiconChoice;
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
 * `labels`, validated on `folds`: logistic regression, NB-LR for two classes, and the lexicon
 * member (logistic regression on the lexicon features alone).
 */
export async function fitLinearMembers(texts: string[][], labels: ArrayLike<number>, folds: Fold[], c: number): Promise<LinearMember[]> {
  const n = texts.length, all = Array.from({ length: n }, (_, i) => i);
  const chars = texts.reduce((a, w) => a + w.length, 0) < CHAR_NGRAM_WORDS;
  const { slots, idf } = linearVocabulary(texts, undefined, Math.floor(MAX_WEIGHTS / c), chars), d = slots.length;
  const columns = new Map(Array.from(slots, (s, i) => [s, i]));
  const lex = lexiconStandardization(texts, true);
  const ones = new Float32Array(d).fill(1);
  const widest = sparseRows(texts, columns, idf, ones, lex, chars, true), width = widest.width;
  const rows: Record<LexiconChoice, SparseRows> = { none: dropColumnsFrom(widest, d), afinn: dropColumnsFrom(widest, d + lexiconWidth(false)), 'afinn+vader': widest };
  const best = (cands: Candidate[]) => cands.reduce((a, b) => (b.loss < a.loss - 1e-6 ? b : a));

  const plain: Candidate[] = [];
  for (const lexicon of NGRAM_LEXICONS) {
    const starts = new Map<number, Float64Array>();
    for (const C of RIDGE_GRID) plain.push({ C, lexicon, ...(await crossValidate(() => rows[lexicon], labels, folds, n, c, C, starts)) });
  }
  const lr = best(plain);
  const members: LinearMember[] = [];
  const build = (ratio: Float32Array, w: Float64Array, lexicon: LexiconChoice) =>
    linearModel({ classes: c, features: d, lexicon: lexicon !== 'none', charNgrams: chars, vader: lexicon === 'afinn+vader' }, { slots, idf, ratio }, lex, w, width);
  members.push({ name: 'logistic', model: build(ones, fitSoftmax(rows[lr.lexicon], labels, all, c, lr.C), lr.lexicon), outOfFold: lr.outOfFold, C: lr.C, lexicon: lr.lexicon });
  await yieldToEventLoop();

  if (c === 2 && d > 0) {
    const x = rows[lr.lexicon];
    const ratios = new Map(folds.map((f) => [f.index, scaled(x, nbRatios(x, labels, f.train, d), d)]));
    const nb: Candidate[] = [];
    const starts = new Map<number, Float64Array>();
    for (const C of RIDGE_GRID) nb.push({ C, lexicon: lr.lexicon, ...(await crossValidate((f) => ratios.get(f.index)!, labels, folds, n, c, C, starts)) });
    const b = best(nb), ratio = nbRatios(x, labels, all, d);
    const w = fitSoftmax(scaled(x, ratio, d), labels, all, c, b.C);
    members.push({ name: 'nb-logistic', model: build(ratio, w, b.lexicon), outOfFold: b.outOfFold, C: b.C, lexicon: b.lexicon });
    await yieldToEventLoop();
  }
  members.push(await fitLexiconMember(texts, labels, folds, c, lex));
  return members;
}

/** Logistic regression on the lexicon block alone (no n-gram columns), C chosen on the folds. */
async function fitLexiconMember(
  texts: string[][], labels: ArrayLike<number>, folds: Fold[], c: number, lex: { shift: Float32Array; scale: Float32Array },
): Promise<LinearMember> {
  const n = texts.length, none = new Float32Array(0), x = sparseRows(texts, new Map(), none, none, lex, false, true);
  const cands: Candidate[] = [], starts = new Map<number, Float64Array>();
  for (const C of LEXICON_RIDGE_GRID) cands.push({ C, lexicon: 'afinn+vader', ...(await crossValidate(() => x, labels, folds, n, c, C, starts)) });
  const b = cands.reduce((a, k) => (k.loss < a.loss - 1e-6 ? k : a));
  const w = fitSoftmax(x, labels, Array.from({ length: n }, (_, i) => i), c, b.C);
  const model = linearModel({ classes: c, features: 0, lexicon: true, vader: true }, { slots: none, idf: none, ratio: none }, lex, w, x.width);
  return { name: 'lexicon', model, outOfFold: b.outOfFold, C: b.C, lexicon: 'afinn+vader' };
}

/**
 * A TextLinear from weights fitted on rows of `width` columns (n-grams, then the widest
 * lexicon block): the columns its config does not read are cut from each class's row.
 */
function linearModel(
  spec: TextLinearConfig, ngrams: { slots: Float32Array; idf: Float32Array; ratio: Float32Array }, lex: { shift: Float32Array; scale: Float32Array }, w: Float64Array, width: number,
): TextLinear {
  const c = spec.classes, lw = lexiconWidth(spec.vader ?? false), keep = spec.features + lw, weight = new Float32Array(c * keep);
  for (let j = 0; j < c; j++) weight.set(w.subarray(j * width, j * width + keep), j * keep);
  const model = new TextLinear(spec);
  model.setState({
    ...ngrams, lexShift: lex.shift.slice(0, lw), lexScale: spec.lexicon ? lex.scale.slice(0, lw) : new Float32Array(lw),
    weight, bias: Float32Array.from(w.subarray(c * width)),
  });
  return model;
}

/** Latent dimensions of the LSA member (fewer for small corpora: at most a quarter of the texts). */
export const LSA_COMPONENTS = 100;
/** Most n-gram columns it projects (the most frequent): 30,000 x 100 floats is a 12 MB projection in the file. */
export const LSA_COLUMNS = 30_000;
/** Most texts its SVD reads (all the labelled ones, then a seeded sample of the unlabelled): beyond this the directions hardly move and the fit time would grow. */
export const LSA_MAX_TEXTS = 50_000;
/** Its ridge strengths (unit-length rows of 100 columns). fine_foods with 200-1,000 labels chose 1 every time; 0.1 and 0.3 were tried there and never chosen. */
export const LSA_RIDGE_GRID = [1, 10, 100];

/** The unlabelled texts the SVD reads beside `labelled` texts: all, or a seeded sample (kept in order) where there are more than LSA_MAX_TEXTS in all. */
export function lsaPool<T>(unlabelled: T[], labelled: number, seed: number): T[] {
  const room = Math.max(0, LSA_MAX_TEXTS - labelled);
  if (unlabelled.length <= room) return unlabelled;
  const rand = seededRandom(seed), idx = unlabelled.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, room).sort((a, b) => a - b).map((i) => unlabelled[i]);
}

/**
 * The latent-semantic member (text-lsa.ts): TF-IDF n-grams of the labelled `texts` and the
 * `unlabelled` ones (already capped by lsaPool), their leading singular vectors, and logistic
 * regression on the labelled texts' projections, C chosen on the folds. Labels are only read by the regression, so the
 * out-of-fold logits stay honest; the SVD never sees a label.
 */
export async function fitLsaMember(texts: string[][], unlabelled: string[][], labels: ArrayLike<number>, folds: Fold[], c: number, seed: number): Promise<LinearMember | null> {
  const corpus = [...texts, ...unlabelled];
  const { slots, idf } = linearVocabulary(corpus, undefined, LSA_COLUMNS), d = slots.length;
  const k = Math.min(LSA_COMPONENTS, Math.floor(corpus.length / 4), d - 1);
  if (k < 2) return null;
  const columns = new Map(Array.from(slots, (s, i) => [s, i])), ones = new Float32Array(d).fill(1);
  // The n-gram columns alone (sparseRows' width also counts a lexicon block, empty here).
  const svd = truncatedSvd({ ...sparseRows(corpus, columns, idf, ones, null), width: d }, k, { seed });
  await yieldToEventLoop();
  if (svd.k < 2) return null;
  const x = latentRows(sparseRows(texts, columns, idf, ones, null), svd.vectors, svd.k);
  const n = texts.length, cands: Candidate[] = [], starts = new Map<number, Float64Array>();
  for (const C of LSA_RIDGE_GRID) cands.push({ C, lexicon: 'none', ...(await crossValidate(() => x, labels, folds, n, c, C, starts)) });
  const b = cands.reduce((a, m) => (m.loss < a.loss - 1e-6 ? m : a));
  const w = fitSoftmax(x, labels, Array.from({ length: n }, (_, i) => i), c, b.C);
  const model = new TextLsa({ classes: c, features: d, components: svd.k });
  model.setState({ slots, idf, projection: Float32Array.from(svd.vectors), weight: Float32Array.from(w.subarray(0, c * svd.k)), bias: Float32Array.from(w.subarray(c * svd.k)) });
  return { name: 'lsa', model, outOfFold: b.outOfFold, C: b.C, lexicon: 'none' };
}
