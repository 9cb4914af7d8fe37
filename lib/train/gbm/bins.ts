// Feature binning for histogram gradient boosting: each numeric feature is cut at quantiles of
// its training values into at most 255 bins (bin = how many cut points lie below the value), and
// a missing value (NaN) gets bin 255 of its own, so each split learns where missing rows go.
// A categorical feature's codes map to bins by training frequency: its 254 most frequent codes
// get bins 1..254 of their own and every other code (rarer ones, unseen ones, the preprocessor's
// out-of-vocabulary 0) shares bin 0. Mapping by code value instead let alphabetical order decide
// which levels of a wide column (a zip code, a product line) could be split on at all.
// Cut points are plain doubles (JSON-exact), so binning at predict time repeats training's.

/** The bin of a missing numeric value. */
export const MISSING_BIN = 255;
/** Value bins per feature, at most. */
export const MAX_BINS = 255;

export type FeatureKind = 'numeric' | 'categorical';

export interface BinnerState {
  kinds: FeatureKind[];
  /** Per numeric feature, ascending cut points: value v goes to bin #{cuts < v}; [] for categoricals. */
  cuts: number[][];
  /** Per categorical feature, code -> bin (codes past the end: bin 0); [] for numeric ones. Absent in states that bin codes as they are. */
  codeBins?: number[][];
}

/** Binned rows: one Uint8Array of n bins per feature (column-major, what histograms scan). */
export interface BinnedData {
  n: number;
  bins: Uint8Array[];
  kinds: FeatureKind[];
  /** Value bins used per feature (the missing bin not counted). */
  binCounts: number[];
}

/** Cut points of one feature: midpoints between distinct values, or between quantiles when there are more than maxBins. */
function fitCuts(values: ArrayLike<number>, rows: ArrayLike<number>, maxBins: number): number[] {
  const finite: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const v = values[rows[r]];
    if (!Number.isNaN(v)) finite.push(v);
  }
  if (!finite.length) return [];
  finite.sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const v of finite) if (!distinct.length || v !== distinct[distinct.length - 1]) distinct.push(v);
  if (distinct.length <= maxBins) return distinct.slice(1).map((v, i) => (distinct[i] + v) / 2);
  // More distinct values than bins: cut at evenly spaced quantiles of the rows (not of the
  // distinct values), so each bin holds about the same number of rows; ties collapse.
  const cuts: number[] = [];
  for (let b = 1; b < maxBins; b++) {
    const pos = Math.floor((b * finite.length) / maxBins);
    const lo = finite[pos - 1], hi = finite[pos];
    if (lo === hi) continue;
    const cut = (lo + hi) / 2;
    if (!cuts.length || cut > cuts[cuts.length - 1]) cuts.push(cut);
  }
  return cuts;
}

/** Code -> bin of one categorical feature: the most frequent codes on `rows` first (ties: the smaller code), bins 1..maxBins-1. */
function fitCodeBins(values: ArrayLike<number>, rows: ArrayLike<number>, maxBins: number): number[] {
  const counts = new Map<number, number>();
  for (let r = 0; r < rows.length; r++) {
    const v = values[rows[r]];
    if (Number.isInteger(v) && v > 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxBins - 1);
  const bins = new Array<number>(ranked.reduce((m, [code]) => Math.max(m, code + 1), 0)).fill(0);
  ranked.forEach(([code], i) => (bins[code] = i + 1));
  return bins;
}

/**
 * Cuts padded with +Infinity to 2^k - 1 entries: the binary search then takes exactly k steps
 * of "add step if the cut below is < v", with no branch to mispredict (a branchy search of 254
 * cuts cost ~40 ns a value, most of a prediction's binning).
 */
function padCuts(cuts: number[]): Float64Array {
  let size = 1;
  while (size - 1 < cuts.length) size *= 2;
  const out = new Float64Array(size - 1).fill(Infinity);
  out.set(cuts);
  return out;
}

export class Binner {
  constructor(readonly state: BinnerState) {}

  /** Fits cut points on `rows` of `columns` (one array of n values per feature). */
  static fit(columns: ArrayLike<number>[], kinds: FeatureKind[], rows: ArrayLike<number>, maxBins = MAX_BINS): Binner {
    if (columns.length !== kinds.length) throw new RangeError(`gbm: ${columns.length} feature columns but ${kinds.length} feature kinds`);
    if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS) throw new RangeError(`gbm: maxBins must be an integer from 2 to ${MAX_BINS}, got ${maxBins}`);
    return new Binner({
      kinds: [...kinds],
      cuts: columns.map((c, f) => (kinds[f] === 'numeric' ? fitCuts(c, rows, maxBins) : [])),
      codeBins: columns.map((c, f) => (kinds[f] === 'categorical' ? fitCodeBins(c, rows, maxBins) : [])),
    });
  }

  static fromJSON(s: unknown): Binner {
    const st = s as BinnerState;
    if (!st || !Array.isArray(st.kinds) || !Array.isArray(st.cuts) || st.kinds.length !== st.cuts.length) throw new Error('gbm: the saved binning state is missing or malformed');
    const codeBinsOk = (b: unknown) => Array.isArray(b) && b.every((x) => Number.isInteger(x) && x >= 0 && x < MAX_BINS);
    if (st.codeBins !== undefined && !(Array.isArray(st.codeBins) && st.codeBins.length === st.kinds.length && st.codeBins.every(codeBinsOk)))
      throw new Error('gbm: the saved categorical bins are malformed');
    return new Binner(st);
  }

  toJSON(): BinnerState {
    return this.state;
  }

  get features(): number {
    return this.state.kinds.length;
  }

  // Cut points as typed arrays, for the binary search of every value at predict time.
  #cuts: Float64Array[] | undefined;

  /** Writes feature f's bins of col[0..n) to out[offset + i * stride]. */
  #binColumn(f: number, col: ArrayLike<number>, n: number, out: Uint8Array, offset: number, stride: number): void {
    const { kinds, codeBins } = this.state;
    if (kinds[f] === 'categorical' && codeBins) {
      const map = codeBins[f];
      for (let i = 0, o = offset; i < n; i++, o += stride) {
        const v = col[i];
        out[o] = Number.isInteger(v) && v > 0 && v < map.length ? map[v] : 0;
      }
    } else if (kinds[f] === 'categorical') {
      for (let i = 0, o = offset; i < n; i++, o += stride) {
        const v = col[i];
        out[o] = Number.isFinite(v) && v > 0 ? Math.min(MAX_BINS - 1, Math.floor(v)) : 0;
      }
    } else {
      const c = (this.#cuts ??= this.state.cuts.map(padCuts))[f];
      for (let i = 0, o = offset; i < n; i++, o += stride) {
        const v = col[i];
        // Bins of NaN and of a value are each computed; a select, not a branch, picks one.
        let b = 0;
        for (let step = (c.length + 1) >> 1; step > 0; step >>= 1) b += step & -(c[b + step - 1] < v);
        out[o] = v === v ? b : MISSING_BIN;
      }
    }
  }

  #check(columns: ArrayLike<number>[]): void {
    if (columns.length !== this.state.kinds.length) throw new RangeError(`gbm: the model reads ${this.state.kinds.length} features, got ${columns.length}`);
  }

  /** Bins every row of `columns` as one row-major array (`features` bins per row): what predicting walks. */
  transformRows(columns: ArrayLike<number>[], n: number): Uint8Array {
    this.#check(columns);
    const F = columns.length, out = new Uint8Array(n * F);
    columns.forEach((col, f) => this.#binColumn(f, col, n, out, f, F));
    return out;
  }

  /** Bins every row of `columns` (one array of n values per feature). */
  transform(columns: ArrayLike<number>[], n: number): BinnedData {
    const { kinds, cuts } = this.state;
    this.#check(columns);
    const bins = columns.map((col, f) => {
      const out = new Uint8Array(n);
      this.#binColumn(f, col, n, out, 0, 1);
      return out;
    });
    const binCounts = kinds.map((k, f) => {
      if (k === 'numeric') return cuts[f].length + 1;
      let max = 0;
      for (const b of bins[f]) if (b > max) max = b;
      return max + 1;
    });
    return { n, bins, kinds: [...kinds], binCounts };
  }
}
