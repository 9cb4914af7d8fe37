// LifetimeValueModel: predicted customer value, from a per-customer table with a numeric value
// column, or from a transaction log (customer, time, amount) as of a cut-off date. The head
// is a zero-inflated lognormal by default (spend is 0 for many customers and heavy-tailed for
// the rest), so the model gives a distribution: its mean is the prediction, its quantiles the
// interval. An MSE head is the option for targets a lognormal does not fit (signed values).
import { InputError, type WarningHandler } from '../data/errors.js';
import { numericTarget } from '../data/numeric-target.js';
import { Preprocessor, type TransformOptions } from '../data/preprocess.js';
import { type ColumnInfo, inferSchema } from '../data/schema.js';
import type { ReadOptions } from '../data/source.js';
import { type Row, type Table, toTable } from '../data/table.js';
import { save as saveModel } from '../io/model-file.js';
import type { InputColumn, OutputColumn, OutputValue, Preset } from './preset.js';
import { registerPreset } from './registry.js';
import { mae, rmse } from '../metrics/regression.js';
import { decileMape, normalizedGini, spearman } from '../metrics/value.js';
import type { Tensor } from '../tensor/tensor.js';
import { type LogColumns, STEP_FEATURES, customerFeatures, groupLog, timeInDays } from './transactions.js';
import { type TrainSettings, type ValueInputs, rawOutputs, trainValueNets } from './value-train.js';
import type { TabularTrainingOptions } from './tabular-net.js';
import { type ValueHead, ValueNet, type ValueNetOptions } from './value-net.js';
import { type IsotonicMap, applyIsotonic, fitIsotonic } from './isotonic.js';
import { zilnMean, zilnParams, zilnQuantile } from './ziln.js';
import type { NetworkHistory } from './training-history.js';

export interface LtvFitOptions extends TabularTrainingOptions {
  /** Table mode: the numeric value column (one row per customer). */
  target?: string;
  /** Transaction-log mode: the customer id, time (ISO date or days) and amount columns. */
  customer?: string;
  time?: string;
  amount?: string;
  /** Log mode: the length of the predicted window, in days (required in log mode). */
  horizonDays?: number;
  /** Log mode: the cut-off for training features (default: the log's last date minus horizonDays). */
  asOf?: string | number;
  /** Log mode: the sequence encoder over each customer's last `steps` purchases (default 'gru'). */
  sequence?: 'gru' | 'lstm' | 'none';
  steps?: number;
  sequenceHidden?: number;
  /** 'ziln' (default; needs values >= 0) or 'mse'. */
  head?: ValueHead;
  /**
   * Calibrate the predicted value with an isotonic map fitted on out-of-fold predictions
   * (default true when there are 200 rows or more; it keeps the ranking and fixes the level).
   */
  calibrate?: boolean;
  /** Networks trained on different folds and averaged (default 5). */
  ensemble?: number;
  /** Table mode: rows whose target is missing are an error (default) or dropped. */
  missing?: 'error' | 'drop';
  onWarning?: WarningHandler;
}

export interface ValueReport {
  rows: number;
  rmse: number;
  mae: number;
  spearman: number;
  normalizedGini: number;
  decileMape: number;
}

export interface ValueInterval {
  p10: number;
  p50: number;
  p90: number;
}

/** Options of predict/evaluate: absent columns, and (log mode) the cut-off date. */
export interface LtvDataOptions extends TransformOptions {
  read?: ReadOptions;
  /** Log mode: features as of this date (predict default: the log's last date; evaluate: last date minus horizonDays). */
  asOf?: string | number;
}

interface LogConfig extends LogColumns {
  horizonDays: number;
  steps: number;
  /** The training cut-off, in days. */
  asOf: number;
}

interface State {
  mode: 'table' | 'log';
  head: ValueHead;
  target?: string;
  log?: LogConfig;
  /** MSE head: the target's mean and std (the network predicts standardized values). */
  scale: { mean: number; std: number };
  /** MSE head: quantiles 0.1/0.5/0.9 of out-of-fold residuals, for the interval. */
  residuals: [number, number, number];
  schema: ColumnInfo[];
  /** Isotonic map of the predicted mean (absent: none). */
  calibration?: IsotonicMap;
  validation: { rows: number; rmse: number; spearman: number; epochs: number[]; history?: NetworkHistory[] };
}

const VERSION = 1;
const int = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const pos = q * (sorted.length - 1), lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}

function checkOptions(o: LtvFitOptions): 'table' | 'log' {
  if (!o || typeof o !== 'object') throw new TypeError('LifetimeValueModel.fit: options are required ({ target } or { customer, time, amount, horizonDays })');
  const log = o.customer !== undefined || o.time !== undefined || o.amount !== undefined;
  if (log && o.target !== undefined) throw new TypeError('LifetimeValueModel.fit: give either target (a per-customer table) or customer/time/amount (a transaction log), not both');
  if (!log && typeof o.target !== 'string') throw new TypeError('LifetimeValueModel.fit: options.target (the value column) is required, or customer/time/amount for a transaction log');
  if (log) {
    for (const k of ['customer', 'time', 'amount'] as const)
      if (typeof o[k] !== 'string') throw new TypeError(`LifetimeValueModel.fit: a transaction log needs options.${k} (a column name)`);
    if (!(typeof o.horizonDays === 'number' && o.horizonDays > 0 && Number.isFinite(o.horizonDays)))
      throw new RangeError('LifetimeValueModel.fit: a transaction log needs horizonDays, a positive number of days');
    if (o.sequence !== undefined && !['gru', 'lstm', 'none'].includes(o.sequence)) throw new RangeError(`LifetimeValueModel.fit: sequence must be 'gru', 'lstm' or 'none'`);
    if (o.steps !== undefined && !int(o.steps, 1, 500)) throw new RangeError('LifetimeValueModel.fit: steps must be an integer from 1 to 500');
    if (o.sequenceHidden !== undefined && !int(o.sequenceHidden, 1, 512)) throw new RangeError('LifetimeValueModel.fit: sequenceHidden must be an integer from 1 to 512');
  }
  if (o.head !== undefined && o.head !== 'ziln' && o.head !== 'mse') throw new RangeError(`LifetimeValueModel.fit: head must be 'ziln' or 'mse', got ${JSON.stringify(o.head)}`);
  if (o.ensemble !== undefined && !int(o.ensemble, 1, 20)) throw new RangeError('LifetimeValueModel.fit: ensemble must be an integer from 1 to 20');
  if (o.missing !== undefined && o.missing !== 'error' && o.missing !== 'drop') throw new RangeError(`LifetimeValueModel.fit: missing must be 'error' or 'drop'`);
  return log ? 'log' : 'table';
}

export class LifetimeValueModel implements Preset<number, ValueReport> {
  static readonly kind = 'ltv';
  readonly kind = 'ltv';

  private constructor(readonly nets: ValueNet[], readonly preprocessor: Preprocessor, private readonly state: State) {}

  /** Trains on a CSV path or rows (a per-customer table, or a transaction log); resolves with a model. */
  static async fit(data: string | Row[] | Table, opts: LtvFitOptions): Promise<LifetimeValueModel> {
    const mode = checkOptions(opts);
    const table = await toTable(data, 'LifetimeValueModel.fit', opts.read);
    const head = opts.head ?? 'ziln';
    let feat: Table, y: Float64Array, schema: ColumnInfo[], seq: ValueInputs['sequences'], log: LogConfig | undefined;
    if (mode === 'table') {
      const t = numericTarget(table, opts.target!, { missing: opts.missing, nonNegative: head === 'ziln', what: 'LifetimeValueModel.fit' });
      feat = { ...table, rows: t.rows.map((i) => table.rows[i]), lines: table.lines && t.rows.map((i) => table.lines![i]) };
      y = t.values;
      schema = inferSchema(feat, opts.target, { exclude: opts.exclude, overrides: opts.columns });
    } else {
      const cols = { customer: opts.customer!, time: opts.time!, amount: opts.amount! };
      const g = groupLog(table, cols);
      const asOf = opts.asOf === undefined ? g.lastDay - opts.horizonDays! : timeInDays(opts.asOf, 'LifetimeValueModel.fit', 'asOf');
      const steps = opts.steps ?? 20;
      const f = customerFeatures(g, asOf, opts.horizonDays!, steps);
      if (f.customers.length < 10) throw new InputError(`LifetimeValueModel.fit: only ${f.customers.length} customers bought on or before asOf; a value model needs more`);
      if (!f.future.some((v) => v > 0))
        throw new InputError(`LifetimeValueModel.fit: no customer bought in the ${opts.horizonDays} days after asOf (day ${asOf.toFixed(1)}; the log ends on day ${g.lastDay.toFixed(1)}); move asOf earlier or shorten horizonDays`);
      feat = { rows: f.rows, columns: Object.keys(f.rows[0]) };
      y = f.future;
      schema = inferSchema(feat, undefined, {});
      if ((opts.sequence ?? 'gru') !== 'none') seq = { data: f.sequences, steps, features: STEP_FEATURES };
      log = { ...cols, horizonDays: opts.horizonDays!, steps, asOf };
    }
    // Every fold needs rows to validate on, and a value distribution needs more than a handful.
    if (y.length < 20) throw new InputError(`LifetimeValueModel.fit: ${y.length} ${mode === 'log' ? 'customers' : 'rows with a target'} are too few; a value model needs at least 20`);
    const preprocessor = Preprocessor.fit(feat, feat.rows.map((_, i) => i), schema, { onWarning: opts.onWarning });
    const e = preprocessor.transform(feat, undefined, { onWarning: () => undefined });
    const x: ValueInputs = { n: e.n, numeric: e.numeric, numericWidth: preprocessor.numericWidth, categorical: e.categorical, cardinalities: preprocessor.cardinalities, sequences: seq };
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length) || 1;
    if (head === 'ziln' && !y.some((v) => v > 0)) throw new InputError(`LifetimeValueModel.fit: every target value is 0; there is no value to model`);
    const settings: TrainSettings = {
      head, ensemble: opts.ensemble ?? 5,
      backbone: { hidden: opts.hidden, dropout: opts.dropout, embeddingDropout: opts.embeddingDropout },
      ...(seq ? { sequence: { cell: opts.sequence === 'lstm' ? 'lstm' : 'gru', hidden: opts.sequenceHidden ?? 16 } } : {}),
      epochs: opts.epochs ?? 200, batchSize: opts.batchSize ?? 128, lr: opts.lr ?? 3e-3, weightDecay: opts.weightDecay ?? 1e-4,
      patience: opts.patience ?? 15, seed: opts.seed ?? 42, progress: opts.progress ?? false,
    };
    const scaled = head === 'mse' ? y.map((v) => (v - mean) / std) : y;
    const { nets, epochs, oof, history } = await trainValueNets(x, scaled, settings);
    const state: State = {
      mode, head, target: opts.target, log, scale: { mean, std }, residuals: [0, 0, 0], schema,
      validation: { rows: 0, rmse: NaN, spearman: NaN, epochs },
    };
    const model = new LifetimeValueModel(nets, preprocessor, state);
    const scored = oof.map((o, i) => (o ? i : -1)).filter((i) => i >= 0);
    const actual = scored.map((i) => y[i]);
    // Validation figures are of the uncalibrated out-of-fold predictions (the map is fitted on them).
    const uncalibrated = scored.map((i) => model.valueOf(oof[i]));
    if ((opts.calibrate ?? true) && scored.length >= 200) state.calibration = fitIsotonic(uncalibrated, actual);
    const pred = scored.map((i) => model.valueOf(oof[i]));
    const res = scored.map((_, r) => actual[r] - pred[r]).sort((a, b) => a - b);
    state.residuals = [quantile(res, 0.1), quantile(res, 0.5), quantile(res, 0.9)];
    state.validation = { rows: scored.length, rmse: rmse(uncalibrated, actual), spearman: spearman(uncalibrated, actual), epochs, history };
    return model;
  }

  get mode(): 'table' | 'log' {
    return this.state.mode;
  }

  /** The columns predict reads: the feature columns (table mode) or the log's three columns. */
  get inputSchema(): InputColumn[] {
    const l = this.state.log;
    if (l) return [{ name: l.customer, type: 'id' }, { name: l.time, type: 'date' }, { name: l.amount, type: 'numeric' }];
    return this.preprocessor.columns.map((c) => ({ name: c.name, type: c.kind as InputColumn['type'] }));
  }

  /** Scored files get the expected value and its 80% interval. */
  outputColumns(): OutputColumn[] {
    const what = this.state.log ? `over the next ${this.state.log.horizonDays} days` : `(${this.state.target ?? 'value'})`;
    return [
      { name: 'value', type: 'number', description: `expected value ${what}` },
      { name: 'p10', type: 'number', description: '10th percentile of the predicted value' },
      { name: 'p50', type: 'number', description: 'median of the predicted value' },
      { name: 'p90', type: 'number', description: '90th percentile of the predicted value' },
    ];
  }

  score(rows: Row[] | Table, opts: LtvDataOptions = {}): OutputValue[][] {
    const values = this.predict(rows, opts), intervals = this.predictInterval(rows, opts);
    return values.map((v, i) => [v, intervals[i].p10, intervals[i].p50, intervals[i].p90]);
  }

  /** Out-of-fold validation figures from training. */
  get validation(): State['validation'] {
    return this.state.validation;
  }

  private valueOf(raw: number[]): number {
    const v = this.state.head === 'mse' ? raw[0] * this.state.scale.std + this.state.scale.mean : zilnMean(zilnParams(raw[0], raw[1], raw[2]));
    return this.state.calibration ? applyIsotonic(this.state.calibration, v) : v;
  }

  /** Network inputs for rows; in log mode also which customer each input row is. */
  private inputs(rows: Row[] | Table, opts: LtvDataOptions, forEvaluate: boolean): { x: ValueInputs; customers?: string[]; future?: Float64Array; table: Table } {
    const table = Array.isArray(rows) ? { rows, columns: [] } : rows;
    if (!Array.isArray(table.rows)) throw new TypeError('LifetimeValueModel: expected an array of row objects');
    const l = this.state.log;
    if (!l) {
      const e = this.preprocessor.transform(table, undefined, opts);
      return { x: { n: e.n, numeric: e.numeric, numericWidth: this.preprocessor.numericWidth, categorical: e.categorical, cardinalities: this.preprocessor.cardinalities }, table };
    }
    const g = groupLog(table, l);
    const asOf = opts.asOf !== undefined ? timeInDays(opts.asOf, 'LifetimeValueModel', 'asOf') : forEvaluate ? g.lastDay - l.horizonDays : g.lastDay;
    const f = customerFeatures(g, asOf, l.horizonDays, l.steps);
    if (!f.customers.length) throw new InputError(`LifetimeValueModel: no customer bought on or before asOf`);
    const e = this.preprocessor.transform({ rows: f.rows, columns: Object.keys(f.rows[0]) }, undefined, { onWarning: opts.onWarning });
    const hasSeq = !!this.nets[0].opts.sequence;
    return {
      x: {
        n: e.n, numeric: e.numeric, numericWidth: this.preprocessor.numericWidth, categorical: e.categorical, cardinalities: this.preprocessor.cardinalities,
        sequences: hasSeq ? { data: f.sequences, steps: l.steps, features: STEP_FEATURES } : undefined,
      },
      customers: f.customers, future: f.future, table,
    };
  }

  /** Per customer (log mode): value over the next horizonDays after asOf, with its interval. */
  scoreCustomers(rows: Row[] | Table, opts: LtvDataOptions = {}): ({ customer: string; value: number } & ValueInterval)[] {
    if (!this.state.log) throw new TypeError('LifetimeValueModel.scoreCustomers: only for a model trained on a transaction log');
    const { x, customers } = this.inputs(rows, opts, false);
    const raw = rawOutputs(this.nets, x);
    return customers!.map((customer, i) => ({ customer, value: this.valueOf(raw[i]), ...this.intervalOf(raw[i]) }));
  }

  /**
   * Expected value per row: table mode, of each customer row; log mode, one value per
   * transaction row, that of the row's customer over the next horizonDays after the log ends.
   */
  predict(rows: Row[] | Table, opts: LtvDataOptions = {}): number[] {
    const t = Array.isArray(rows) ? rows : rows?.rows;
    if (Array.isArray(t) && !t.length) return [];
    if (this.state.log) {
      const byCustomer = new Map(this.scoreCustomers(rows, opts).map((s) => [s.customer, s.value]));
      return t.map((r) => byCustomer.get(String(r[this.state.log!.customer]).trim()) ?? 0);
    }
    const { x } = this.inputs(rows, opts, false);
    return rawOutputs(this.nets, x).map((r) => this.valueOf(r));
  }

  private intervalOf(raw: number[]): ValueInterval {
    if (this.state.head === 'mse') {
      // No distribution from an MSE head: the prediction plus out-of-fold residual quantiles.
      const v = this.valueOf(raw), [r10, r50, r90] = this.state.residuals;
      return { p10: v + r10, p50: v + r50, p90: v + r90 };
    }
    const d = zilnParams(raw[0], raw[1], raw[2]);
    return { p10: zilnQuantile(d, 0.1), p50: zilnQuantile(d, 0.5), p90: zilnQuantile(d, 0.9) };
  }

  /** p10 / p50 / p90 of each row's predicted value distribution (table mode; log mode: per row's customer). */
  predictInterval(rows: Row[] | Table, opts: LtvDataOptions = {}): ValueInterval[] {
    const t = Array.isArray(rows) ? rows : rows?.rows;
    if (Array.isArray(t) && !t.length) return [];
    if (this.state.log) {
      const byCustomer = new Map(this.scoreCustomers(rows, opts).map((s) => [s.customer, s]));
      return t.map((r) => {
        const s = byCustomer.get(String(r[this.state.log!.customer]).trim());
        return s ? { p10: s.p10, p50: s.p50, p90: s.p90 } : { p10: 0, p50: 0, p90: 0 };
      });
    }
    const { x } = this.inputs(rows, opts, false);
    return rawOutputs(this.nets, x).map((r) => this.intervalOf(r));
  }

  /**
   * RMSE, MAE, Spearman, normalized Gini and decile MAPE. Table mode: rows with the target.
   * Log mode: a log reaching past asOf (default: its last date minus horizonDays), scored
   * against each customer's spend in the horizon after it.
   */
  async evaluate(data: string | Row[] | Table, opts: LtvDataOptions = {}): Promise<ValueReport> {
    const { pred, actual } = await this.predictedAndActual(data, opts);
    return {
      rows: pred.length, rmse: rmse(pred, actual), mae: mae(pred, actual), spearman: spearman(pred, actual),
      normalizedGini: actual.some((v) => v > 0) ? normalizedGini(pred, actual) : NaN, decileMape: decileMape(pred, actual),
    };
  }

  /** The predicted and the actual value of each labelled row (or customer of a log) evaluate() scores: what reports plot. */
  async predictedAndActual(data: string | Row[] | Table, opts: LtvDataOptions = {}): Promise<{ pred: number[]; actual: number[] }> {
    const table = await toTable(data, 'LifetimeValueModel.evaluate', opts.read);
    let pred: number[], actual: number[];
    if (this.state.log) {
      const { x, future } = this.inputs(table, opts, true);
      pred = rawOutputs(this.nets, x).map((r) => this.valueOf(r));
      actual = Array.from(future!);
    } else {
      const t = numericTarget(table, this.state.target!, { missing: 'drop', what: 'LifetimeValueModel.evaluate' });
      pred = this.predict({ ...table, rows: t.rows.map((i) => table.rows[i]), lines: table.lines && t.rows.map((i) => table.lines![i]) }, opts);
      actual = Array.from(t.values);
    }
    return { pred, actual };
  }

  /** A short summary for people: inputs, output, training, validation. */
  describe(): string {
    const s = this.state, v = s.validation;
    const what = s.log
      ? `value over the next ${s.log.horizonDays} days per customer, from a transaction log (${s.log.customer}, ${s.log.time}, ${s.log.amount}); ${this.nets[0].opts.sequence ? `${this.nets[0].opts.sequence.cell.toUpperCase()} over the last ${s.log.steps} purchases + ` : ''}RFM features`
      : `'${s.target}' per customer from ${this.preprocessor.columns.length} columns (${this.preprocessor.columns.map((c) => c.name).join(', ')})`;
    return [
      `LifetimeValueModel (kind 'ltv'): predicts ${what}.`,
      `Head: ${s.head === 'ziln' ? 'zero-inflated lognormal (prediction = expected value; p10/p50/p90 from the distribution)' : 'MSE (interval from out-of-fold residuals)'}; ${this.nets.length} network(s), epochs ${v.epochs.join('/')}.`,
      `Out-of-fold validation on ${v.rows} rows: RMSE ${v.rmse.toFixed(2)}, Spearman ${v.spearman.toFixed(3)}.`,
    ].join('\n');
  }

  toSafetensors(): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
    const s = this.state;
    const finite = [s.scale.mean, s.scale.std, ...s.residuals, ...(s.log ? [s.log.asOf] : []), ...(s.calibration ? [...s.calibration.x, ...s.calibration.y] : [])];
    if (!finite.every(Number.isFinite)) throw new Error('save: the value model holds a statistic that is not a finite number');
    return {
      tensors: Object.fromEntries(this.nets.flatMap((net, m) => Object.entries(net.stateDict()).map(([k, t]) => [`net${m}.${k}`, t]))),
      meta: {
        kind: 'ltv', preset: 'LifetimeValueModel', presetVersion: VERSION, nets: this.nets.map((n) => n.config()),
        preprocessor: this.preprocessor.toJSON(), state: { ...s, validation: { ...s.validation, rmse: Number.isFinite(s.validation.rmse) ? s.validation.rmse : null } },
      },
    };
  }

  save(path: string): Promise<void> {
    return saveModel(this, path);
  }

  static async load(path: string): Promise<LifetimeValueModel> {
    const { load } = await import('../io/model-file.js');
    const m = await load(path);
    if (!(m instanceof LifetimeValueModel)) throw new TypeError(`LifetimeValueModel.load: ${path} does not hold a lifetime value model`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): LifetimeValueModel {
    if (meta.presetVersion !== VERSION) throw new Error(`LifetimeValueModel: unsupported preset version ${String(meta.presetVersion)}`);
    const configs = meta.nets as { args: [number, number[], ValueNetOptions] }[];
    if (!Array.isArray(configs) || !configs.length) throw new Error('LifetimeValueModel: the file lists no networks');
    const state = meta.state as State;
    if (!state || (state.mode !== 'table' && state.mode !== 'log')) throw new Error('LifetimeValueModel: the file has no model state');
    for (const [name, t] of Object.entries(tensors))
      if (t.dtype === 'float32' && !t.dataSync().every(Number.isFinite)) throw new Error(`LifetimeValueModel: the weights '${name}' hold values that are not finite`);
    const preprocessor = Preprocessor.fromJSON(meta.preprocessor);
    const nets = configs.map((cfg, m) => {
      const net = new ValueNet(...cfg.args);
      const prefix = `net${m}.`;
      net.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t])));
      return net.eval();
    });
    for (const t of Object.values(tensors)) t.dispose();
    return new LifetimeValueModel(nets, preprocessor, { ...state, validation: { ...state.validation, rmse: state.validation.rmse ?? NaN } });
  }
}

registerPreset(LifetimeValueModel, ['value', 'clv']);
