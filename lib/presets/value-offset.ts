// Exposure offsets for the value model's boosted trees. Many value targets are a rate times a
// duration or a size (total charges ≈ monthly charges × tenure, claims ≈ frequency × exposure),
// and insurance GLMs model them with an offset: log E[y | x] = log(c) + f(x) for a positive
// column c. Trees otherwise have to rebuild the product out of axis-aligned steps. A numeric
// input column is a candidate when it is positive on every training row and its log
// correlates strongly with the log of the target; value-gbm.ts then lets its stop slices
// choose between no offset, Poisson trees offset by log(c), and squared-error trees on y / c
// weighted by c² (whose weighted loss is exactly the squared error on y).
import type { NumericColumn } from '../data/preprocess.js';
import type { ValueInputs } from './value-train.js';

/** The exposure column of a fitted trees member (saved in the model file). */
export interface ValueOffset {
  name: string;
  /** Its position in the numeric feature block (indicator columns included). */
  block: number;
  /** The preprocessor's scaling of it, undone to recover the value. */
  mean: number;
  std: number;
  log?: boolean;
  /** The smallest training value: predictions use at least it (an unseen 0 or negative has no log). */
  floor: number;
  /** 'log': Poisson trees offset by log(c); 'ratio': squared-error trees on y / c, prediction c × f(x). */
  how: 'log' | 'ratio';
}

/** A candidate exposure and the per-row arrays its two variants train on. */
export interface Exposure {
  column: Omit<ValueOffset, 'how'>;
  values: Float64Array;
  log: Float64Array;
  /** y / c, and the weights c² / mean(c²) (normalized so the trees' L2 keeps its usual scale). */
  ratio: Float64Array;
  weight: Float64Array;
}

/** Candidates need log-correlation at least this with the target (a weak one is noise to the trees, not an exposure). */
const MIN_CORRELATION = 0.5;
/** At most this many candidates (each adds 2 variants x 3 tree shapes x the folds to the fit). */
const MAX_CANDIDATES = 2;

/** The exposure of every row of x, from its scaled numeric feature (at least the floor). */
export function exposureValues(x: ValueInputs, o: Omit<ValueOffset, 'how'>): { values: Float64Array; log: Float64Array } {
  const values = new Float64Array(x.n), w = x.numericWidth;
  for (let i = 0; i < x.n; i++) {
    const v = x.numeric[i * w + o.block] * o.std + o.mean;
    values[i] = Math.max(o.floor, o.log ? Math.expm1(v) : v);
  }
  return { values, log: values.map(Math.log) };
}

function correlation(a: number[], b: number[]): number {
  const n = a.length, ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) (ab += (a[i] - ma) * (b[i] - mb)), (aa += (a[i] - ma) ** 2), (bb += (b[i] - mb) ** 2);
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Numeric (not yes/no) columns positive on every training row whose log correlates with
 * log(y) over the rows with y > 0 by at least MIN_CORRELATION, the strongest first. Only a
 * positive correlation: an exposure multiplies the value. Screened on all training rows (no
 * fit, one coarse threshold); the stop slices then decide whether a candidate is used.
 */
export function exposureCandidates(x: ValueInputs, numeric: NumericColumn[], y: Float64Array): Exposure[] {
  const positive = Array.from({ length: x.n }, (_, i) => i).filter((i) => y[i] > 0);
  if (positive.length < 20) return [];
  const logY = positive.map((i) => Math.log(y[i]));
  const found: { e: Exposure; r: number }[] = [];
  let block = 0;
  for (const c of numeric) {
    const at = block;
    block += c.indicator ? 2 : 1;
    if (c.kind !== 'numeric') continue;
    const raw = exposureValues(x, { name: c.name, block: at, mean: c.mean, std: c.std, log: c.log, floor: -Infinity });
    let floor = Infinity;
    for (const v of raw.values) floor = Math.min(floor, v);
    if (!(floor > 0) || !Number.isFinite(floor)) continue;
    const r = correlation(positive.map((i) => raw.log[i]), logY);
    if (!(r >= MIN_CORRELATION)) continue;
    let sq = 0;
    for (const v of raw.values) sq += v * v;
    const meanSq = sq / x.n;
    const column = { name: c.name, block: at, mean: c.mean, std: c.std, ...(c.log ? { log: true } : {}), floor };
    found.push({ e: { column, ...raw, ratio: y.map((v, i) => v / raw.values[i]), weight: raw.values.map((v) => (v * v) / meanSq) }, r });
  }
  return found.sort((a, b) => b.r - a.r).slice(0, MAX_CANDIDATES).map((f) => f.e);
}

/** Throws unless a saved offset describes a column of the numeric block with finite scaling. */
export function checkOffset(o: ValueOffset, indicators: boolean[]): void {
  const width = indicators.reduce((w, ind) => w + (ind ? 2 : 1), 0);
  const ok = o && typeof o.name === 'string' && Number.isInteger(o.block) && o.block >= 0 && o.block < width && Number.isFinite(o.mean) && o.std > 0 && Number.isFinite(o.std) && o.floor > 0 && Number.isFinite(o.floor) && (o.how === 'log' || o.how === 'ratio');
  if (!ok) throw new Error("LifetimeValueModel: the file's exposure offset of the boosted trees is malformed");
}

/** How describe() names the offset. */
export function offsetName(o: ValueOffset): string {
  return o.how === 'log' ? `offset log(${o.name})` : `ratio to ${o.name}`;
}
