// Training UpliftModel: read the treatment and outcome, fit the shared preprocessor on the
// covariates (never on the treatment or outcome), check the randomization, then train each
// candidate learner (learners.ts) on the same k folds, stratified by arm and outcome. Each
// learner's out-of-fold uplift on every training row gives an honest area under the uplift
// curve; their blend is kept, or one learner that is clearly better (choose() below), each
// as the average of its k fold networks (each early-stopped on its own held-out fold), so no
// refit is needed and every row was used.
import { InputError, emitWarning, type WarningHandler } from '../../data/errors.js';
import { Preprocessor } from '../../data/preprocess.js';
import { type ColumnInfo, type ColumnKind, inferSchema } from '../../data/schema.js';
import type { ReadOptions } from '../../data/source.js';
import { type Table, toTable } from '../../data/table.js';
import { type Outcome, type Treatment, encodeOutcome, encodeTreatment, outcomeOf, treatmentOf } from '../../data/treatment.js';
import { auuc, qiniCoefficient, upliftAtK } from '../../metrics/uplift.js';
import { manualSeed } from '../../tensor/create.js';
import { seededRandom } from '../../train/data.js';
import { planFolds } from '../fit-folds.js';
import type { Data } from '../preset.js';
import type { TabularNet } from '../tabular-net.js';
import type { NetworkHistory } from '../training-history.js';
import { type BalanceReport, balanceOf, balanceWarnings } from './balance.js';
import { LEARNERS, type Learner, type LearnerData, type NetworkOptions, trainLearner } from './learners.js';

export interface UpliftFitOptions extends NetworkOptions {
  /** The column saying who was treated (got the offer, the email, the call). */
  treatment: string;
  /** Which value of `treatment` is the treated arm, when not obvious (1, yes, true, treated...). */
  treated?: string;
  /** What the campaign should change: a conversion (two values) or a number (spend). */
  outcome: string;
  /** The converted value of a two-valued outcome, when not obvious (yes/true/1/...). */
  positive?: string;
  /** 'auto' (default) trains all three and keeps their blend, or one that is clearly better out of fold. */
  learner?: 'auto' | Learner;
  /** Folds for validation and the ensemble (default 5; 2 to 10): each learner trains one network (T-learner: two) per fold. */
  folds?: number;
  /** Columns to leave out of the covariates. */
  exclude?: string[];
  /** Force a column's kind: 'numeric', 'categorical', 'boolean' or 'ignore'. */
  columns?: Record<string, ColumnKind>;
  seed?: number;
  read?: ReadOptions;
  /** Receives warnings (unbalanced assignment, out-of-range values); default: process.emitWarning. */
  onWarning?: WarningHandler;
  /** Told as each learner finishes, with its out-of-fold measures (progress reports). */
  onLearner?: (info: LearnerScore) => void;
}

export interface LearnerScore {
  /** A learner, or 'blend' (the mean uplift of every learner tried). */
  learner: Learner | 'blend';
  /** Out-of-fold uplift-curve area above random and Qini coefficient (docs/API.md, "Uplift metrics"). */
  auuc: number;
  qini: number;
}

export interface UpliftValidation extends LearnerScore {
  /** Every learner tried, in order. */
  tried: LearnerScore[];
  /** Out-of-fold uplift among the top 30% of the training rows. */
  upliftAt30: number;
  /** Epochs each network kept trained. */
  epochs: number[];
  /** Per-epoch training and validation loss of each kept network (the report's training curves). */
  history?: NetworkHistory[];
}

/** One learner's networks: one entry per fold (T-learner: [control, treated]). */
export interface Component {
  learner: Learner;
  members: TabularNet[][];
}

export interface FittedUplift {
  /** The learner kept, or 'blend': the mean uplift of every component. */
  chosen: Learner | 'blend';
  components: Component[];
  preprocessor: Preprocessor;
  schema: ColumnInfo[];
  treatment: Treatment;
  outcome: Outcome;
  /** Numeric outcomes are learned standardized: uplift = network uplift × scale. */
  scale: number;
  /** How the networks' uplift is shrunk toward the average effect (calibrate() below). */
  calibration: Calibration;
  validation: UpliftValidation;
  training: { rows: number; treated: number; control: number; ate: number; balance: BalanceReport };
  /** The training rows' out-of-fold uplift, sorted descending and averaged into at most 200 equal bins (for plan()). */
  population: number[];
}

/** Sorted descending values averaged into at most `bins` bins of (nearly) equal size. */
export function binnedDescending(values: ArrayLike<number>, bins = 200): number[] {
  const s = Array.from(values).sort((a, b) => b - a);
  const b = Math.min(bins, s.length);
  return Array.from({ length: b }, (_, k) => {
    const lo = Math.round((k * s.length) / b), hi = Math.round(((k + 1) * s.length) / b);
    let total = 0;
    for (let i = lo; i < hi; i++) total += s[i];
    return total / (hi - lo);
  });
}

function checkOptions(opts: UpliftFitOptions): { folds: number; learners: Learner[] } {
  if (!opts || typeof opts.treatment !== 'string') throw new TypeError('UpliftModel.fit: options.treatment (the treatment column) is required');
  if (typeof opts.outcome !== 'string') throw new TypeError('UpliftModel.fit: options.outcome (the outcome column) is required');
  if (opts.treatment === opts.outcome) throw new InputError(`UpliftModel.fit: the treatment and the outcome are the same column '${opts.outcome}'`);
  const folds = opts.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2 || folds > 10) throw new RangeError(`UpliftModel.fit: folds must be an integer from 2 to 10, got ${folds}`);
  const learner = opts.learner ?? 'auto';
  if (learner !== 'auto' && !LEARNERS.includes(learner))
    throw new InputError((cli) => `UpliftModel.fit: unknown ${cli ? '--learner' : 'learner'} '${String(learner)}' (auto, ${LEARNERS.join(', ')})`);
  return { folds, learners: learner === 'auto' ? [...LEARNERS] : [learner] };
}

/** Fits the preprocessor and every candidate learner; keeps the best. */
export async function fitUplift(data: Data, opts: UpliftFitOptions): Promise<FittedUplift> {
  const { folds, learners } = checkOptions(opts);
  const table: Table = await toTable(data, 'UpliftModel.fit', opts.read);
  const onWarning = opts.onWarning ?? emitWarning;
  const treatment = treatmentOf(table, opts.treatment, opts.treated);
  const outcome = outcomeOf(table, opts.outcome, opts.positive);
  const t = encodeTreatment(table, treatment), raw = encodeOutcome(table, outcome);
  const n = t.length, nt = t.reduce((a, v) => a + v, 0);
  const fewest = 5 * folds;
  if (Math.min(nt, n - nt) < fewest)
    throw new InputError(
      (cli) => `UpliftModel.fit: too few rows in one arm (${nt} treated, ${n - nt} control) for ${folds} validation folds; each arm needs at least ${fewest} rows (or fewer ${cli ? '--folds' : 'folds'})`,
    );
  let meanY = 0;
  for (const v of raw) meanY += v / n;
  let varY = 0;
  for (const v of raw) varY += (v - meanY) ** 2 / n;
  const scale = outcome.type === 'numeric' ? Math.sqrt(varY) : 1;
  const y = outcome.type === 'numeric' ? raw.map((v) => (v - meanY) / scale) : raw;

  const schema = inferSchema(table, outcome.name, { exclude: [...(opts.exclude ?? []), treatment.name], overrides: opts.columns });
  const preprocessor = Preprocessor.fit(table, table.rows.map((_, i) => i), schema, { onWarning });
  if (!preprocessor.columns.length) throw new InputError('UpliftModel.fit: no covariate columns are left to learn from (besides the treatment and the outcome)');
  const encoded = preprocessor.transform(table, undefined, { onWarning: () => undefined });
  const balance = balanceOf(encoded, preprocessor, t);
  for (const text of balanceWarnings(balance, n)) onWarning(text, { kind: 'unbalanced-treatment', columns: balance.imbalanced, treatedShare: balance.treatedShare, text });

  const d: LearnerData = { encoded, preprocessor, treated: t, outcome: y, outcomeType: outcome.type, treatedShare: nt / n };
  const strata = outcome.type === 'binary' ? Array.from(t, (v, i) => 2 * v + y[i]) : Array.from(t);
  const seed = opts.seed ?? 42;
  const plan = planFolds(strata, folds, seed);
  const trained: Component[] = [], tried: LearnerScore[] = [];
  const oofs: Float64Array[] = [], epochs: number[][] = [], histories: NetworkHistory[][] = [];
  for (const learner of learners) {
    const members: TabularNet[][] = [], e: number[] = [], h: NetworkHistory[] = [];
    const oof = new Float64Array(n);
    for (const fold of plan) {
      manualSeed(fold.seed);
      const r = await trainLearner(learner, d, fold, opts);
      fold.validation.forEach((i, k) => { oof[i] = r.validationUplift[k] * scale; });
      members.push(r.nets);
      e.push(...r.epochs);
      h.push(...r.history);
    }
    const score = { learner, auuc: auuc(oof, t, raw), qini: qiniCoefficient(oof, t, raw) };
    tried.push(score);
    opts.onLearner?.(score);
    trained.push({ learner, members });
    oofs.push(oof);
    epochs.push(e);
    histories.push(h);
  }
  const pick = choose(tried, oofs, t, raw, seed);
  if (pick.blendScore) tried.push(pick.blendScore);
  for (let j = 0; j < trained.length; j++) if (!pick.kept.includes(j)) disposeMembers(trained[j].members);
  let yt = 0, yc = 0;
  for (let i = 0; i < n; i++) if (t[i]) yt += raw[i]; else yc += raw[i];
  const calibration = calibrate(pick.oof, t, raw, nt / n);
  const calibrated = pick.oof.map((u) => applyCalibration(calibration, u));
  return {
    calibration,
    chosen: pick.blend ? 'blend' : trained[pick.kept[0]].learner, components: pick.kept.map((j) => trained[j]), preprocessor, schema, treatment, outcome, scale,
    validation: { ...pick.score, tried, upliftAt30: upliftAtK(pick.oof, t, raw, 0.3), epochs: pick.kept.flatMap((j) => epochs[j]), history: pick.kept.flatMap((j) => histories[j]) },
    training: { rows: n, treated: nt, control: n - nt, ate: yt / nt - yc / (n - nt), balance },
    population: binnedDescending(calibrated),
  };
}

// Networks' uplift on noisy campaign data spreads wider than the true effects (part of the
// spread is noise), which would make plan() promise too much from the top rows. The
// transformed outcome Y* = (y - ȳ)(t - p) / (p (1 - p)) has expectation uplift(x) under
// randomization, so the least-squares slope of Y* on the out-of-fold uplift says how much of
// the spread is real: predictions are shrunk to ate + slope × (u - center), the slope kept in
// [0.1, 1] (never stretched; never flat, so the ranking survives a model with no signal).
export interface Calibration {
  ate: number;
  center: number;
  slope: number;
  /** The slope as estimated, before it was kept in [0.1, 1]. */
  rawSlope: number;
}

function calibrate(u: Float64Array, t: Float32Array, y: Float64Array, p: number): Calibration {
  const n = u.length;
  let center = 0, meanY = 0, yt = 0, yc = 0, nt = 0;
  for (let i = 0; i < n; i++) {
    center += u[i] / n;
    meanY += y[i] / n;
    if (t[i]) { yt += y[i]; nt++; } else yc += y[i];
  }
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    const ystar = ((y[i] - meanY) * (t[i] - p)) / (p * (1 - p));
    sxy += (u[i] - center) * ystar;
    sxx += (u[i] - center) ** 2;
  }
  const rawSlope = sxx > 0 ? sxy / sxx : 0;
  return { ate: yt / nt - yc / (n - nt), center, slope: Math.min(1, Math.max(0.1, rawSlope)), rawSlope };
}

export function applyCalibration(c: Calibration, u: number): number {
  return c.ate + c.slope * (u - c.center);
}

// The blend (mean uplift of every learner) is kept unless one learner beats its out-of-fold
// area by more than one bootstrap standard error of the difference: with the weak signals of
// real campaigns, averaging networks beats picking the luckiest on a noisy measure.
function choose(tried: LearnerScore[], oofs: Float64Array[], t: Float32Array, y: Float64Array, seed: number): { kept: number[]; blend: boolean; score: LearnerScore; oof: Float64Array; blendScore?: LearnerScore } {
  const single = tried.reduce((b, s, j) => (s.auuc > tried[b].auuc ? j : b), 0);
  if (tried.length === 1) return { kept: [0], blend: false, score: tried[0], oof: oofs[0] };
  const blended = oofs[0].map((_, i) => oofs.reduce((a, o) => a + o[i], 0) / oofs.length);
  const score: LearnerScore = { learner: 'blend', auuc: auuc(blended, t, y), qini: qiniCoefficient(blended, t, y) };
  const margin = tried[single].auuc - score.auuc;
  const blend = margin <= bootstrapSe(oofs[single], blended, t, y, seed);
  return blend ? { kept: tried.map((_, j) => j), blend, score, oof: blended, blendScore: score } : { kept: [single], blend, score: tried[single], oof: oofs[single], blendScore: score };
}

/** Bootstrap standard error of auuc(a) - auuc(b) on the same rows (resampled within each arm). */
function bootstrapSe(a: Float64Array, b: Float64Array, t: Float32Array, y: Float64Array, seed: number, samples = 100): number {
  const arms: number[][] = [[], []];
  t.forEach((v, i) => arms[v].push(i));
  const random = seededRandom(seed + 7);
  const n = t.length, ra = new Float64Array(n), rb = new Float64Array(n), rt = new Float32Array(n), ry = new Float64Array(n);
  let s1 = 0, s2 = 0;
  for (let r = 0; r < samples; r++) {
    let k = 0;
    for (const arm of arms)
      for (let j = 0; j < arm.length; j++, k++) {
        const i = arm[Math.floor(random() * arm.length)];
        ra[k] = a[i]; rb[k] = b[i]; rt[k] = t[i]; ry[k] = y[i];
      }
    const diff = auuc(ra, rt, ry) - auuc(rb, rt, ry);
    s1 += diff;
    s2 += diff * diff;
  }
  return Math.sqrt(Math.max(0, s2 / samples - (s1 / samples) ** 2));
}

/** Frees the weights of networks not kept. */
export function disposeMembers(members: TabularNet[][]): void {
  for (const nets of members) for (const net of nets) for (const p of Object.values(net.stateDict())) p.dispose();
}
