// Ensembles of networks trained on folds of the data: with k > 1 each network holds out its
// own stratified fold for early stopping, so together they use every row and their
// predictions on the rows they did not see (out-of-fold scores) give an honest validation
// measure; k = 1 trains one network on a stratified 80% and holds out the rest.
import { stratifiedFolds, stratifiedSplit } from '../data/stratify.js';
import { manualSeed } from '../tensor/create.js';
import { seededRandom } from '../train/data.js';

export interface Fold {
  /** 0-based index of the network. */
  index: number;
  /** Row indices to train on and to validate on (ascending). */
  train: number[];
  validation: number[];
  /** The seed of this network (seed + index): its initial weights and its shuffling. */
  seed: number;
}

/** What one network's training gives back: the model, and its outputs on its validation rows (`width` values per row, row-major). */
export interface FoldResult<M> {
  model: M;
  validationOutputs: ArrayLike<number>;
}

export interface FoldEnsemble<M> {
  models: M[];
  /** Out-of-fold outputs, `width` per row; NaN for rows no network held out (k = 1: the training rows). */
  outOfFold: Float64Array;
  /** Rows that have out-of-fold outputs, ascending. */
  scored: number[];
}

/** The folds (k > 1) or the single holdout (k = 1) of rows stratified by `strata` (class ids). */
export function planFolds(strata: ArrayLike<number>, k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`folds: k must be a positive integer, got ${k}`);
  const all = Array.from({ length: strata.length }, (_, i) => i);
  if (k === 1) {
    const { train, validation } = stratifiedSplit(strata, 0.2, seededRandom(seed));
    return [{ index: 0, train, validation, seed }];
  }
  const fold = stratifiedFolds(strata, k, seededRandom(seed));
  return Array.from({ length: k }, (_, m) => ({
    index: m, train: all.filter((i) => fold[i] !== m), validation: all.filter((i) => fold[i] === m), seed: seed + m,
  }));
}

/**
 * Trains one network per fold, in order (tl's generator seeded with the fold's seed first, so
 * each network's initial weights are repeatable), and gathers the out-of-fold outputs.
 */
export async function fitFolds<M>(folds: Fold[], rows: number, width: number, trainOne: (fold: Fold) => Promise<FoldResult<M>>): Promise<FoldEnsemble<M>> {
  const models: M[] = [];
  const outOfFold = new Float64Array(rows * width).fill(NaN);
  for (const fold of folds) {
    manualSeed(fold.seed);
    const { model, validationOutputs } = await trainOne(fold);
    if (validationOutputs.length !== fold.validation.length * width)
      throw new RangeError(`folds: network ${fold.index + 1} gave ${validationOutputs.length} outputs for ${fold.validation.length} rows of width ${width}`);
    fold.validation.forEach((i, r) => {
      for (let j = 0; j < width; j++) outOfFold[i * width + j] = validationOutputs[r * width + j];
    });
    models.push(model);
  }
  const scored = Array.from({ length: rows }, (_, i) => i).filter((i) => !Number.isNaN(outOfFold[i * width]));
  return { models, outOfFold, scored };
}
