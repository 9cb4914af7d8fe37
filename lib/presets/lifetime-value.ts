// LifetimeValueModel: predicted customer value, from a per-customer table with a numeric value
// column, or from a transaction log (customer, time, amount) as of a cut-off date. The head
// is a zero-inflated lognormal by default (spend is 0 for many customers and heavy-tailed for
// the rest), so the model gives a distribution: its mean is the prediction, its quantiles the
// interval. In table mode the default blends it with a log-link (Poisson) head, an MSE head and
// gradient-boosted trees by out-of-fold RMSE (value-blend.ts); MSE and trees serve signed targets.
import { InputError } from '../data/errors.js';
import { numericTarget } from '../data/numeric-target.js';
import { Preprocessor } from '../data/preprocess.js';
import { NUMBER_FORMATS, type NumberFormat } from '../data/number-format.js';
import { type ColumnInfo, inferSchema } from '../data/schema.js';
import { type Row, type Table, toTable } from '../data/table.js';
import { save as saveModel } from '../io/model-file.js';
import { type InputColumn, type OutputColumn, type OutputValue, type Preset, inputColumns } from './preset.js';
import { registerPreset } from './registry.js';
import { mae, rmse } from '../metrics/regression.js';
import { decileMape, normalizedGini, spearman } from '../metrics/value.js';
import type { Tensor } from '../tensor/tensor.js';
import { STEP_FEATURES, customerFeatures, groupLog, timeInDays } from './transactions.js';
import { type TrainSettings, type ValueInputs, rawOutputs, trainValueNets } from './value-train.js';
import { type ValueHead, ValueNet, type ValueNetOptions } from './value-net.js';
import { applyIsotonic, fitIsotonic } from './isotonic.js';
import { zilnParams, zilnQuantile } from './ziln.js';
import { type LtvFitOptions, checkOptions } from './ltv-options.js';
import { type BlendMember, HEAD_NAMES, type HeadGroup, blendWeights, headValue, headsFor, scaledTargets } from './value-blend.js';
import { ValueGbm } from './value-gbm.js';
import type { NetworkHistory } from './training-history.js';

export type { LtvFitOptions } from './ltv-options.js';
export type { LtvDataOptions, ValueInterval, ValueReport } from './ltv-types.js';
import { type LogConfig, type LtvDataOptions, type State, type ValueInterval, type ValueReport, quantile } from './ltv-types.js';

const VERSION = 1;

export class LifetimeValueModel implements Preset<number, ValueReport> {
  static readonly kind = 'ltv';
  readonly kind = 'ltv';

  private constructor(readonly nets: ValueNet[], readonly preprocessor: Preprocessor, private readonly state: State, private readonly gbm?: ValueGbm) {}

  /** Trains on a CSV path or rows (a per-customer table, or a transaction log); resolves with a model. */
  static async fit(data: string | Row[] | Table, opts: LtvFitOptions): Promise<LifetimeValueModel> {
    const mode = checkOptions(opts);
    const table = await toTable(data, 'LifetimeValueModel.fit', opts.read);
    // Table mode blends heads chosen on out-of-fold RMSE by default; log mode keeps ZILN (future
    // spend in a window is zero for many customers) and trains one ensemble, not three.
    const requested = opts.head ?? (mode === 'table' ? 'auto' : 'ziln');
    let feat: Table, y: Float64Array, schema: ColumnInfo[], seq: ValueInputs['sequences'], log: LogConfig | undefined, targetFormat: NumberFormat | undefined;
    if (mode === 'table') {
      const t = numericTarget(table, opts.target!, { missing: opts.missing, nonNegative: requested === 'ziln' ? 'zero-inflated lognormal' : requested === 'poisson' && 'Poisson', what: 'LifetimeValueModel.fit' });
      feat = { ...table, rows: t.rows.map((i) => table.rows[i]), lines: table.lines && t.rows.map((i) => table.lines![i]) };
      y = t.values;
      targetFormat = t.format;
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
      log = { ...cols, ...(g.amountFormat ? { amountFormat: g.amountFormat } : {}), horizonDays: opts.horizonDays!, steps, asOf };
    }
    // Every fold needs rows to validate on, and a value distribution needs more than a handful.
    if (y.length < 20) throw new InputError(`LifetimeValueModel.fit: ${y.length} ${mode === 'log' ? 'customers' : 'rows with a target'} are too few; a value model needs at least 20`);
    const preprocessor = Preprocessor.fit(feat, feat.rows.map((_, i) => i), schema, { onWarning: opts.onWarning, text: true });
    const e = preprocessor.transform(feat, undefined, { onWarning: () => undefined });
    const x: ValueInputs = { n: e.n, numeric: e.numeric, numericWidth: preprocessor.numericWidth, categorical: e.categorical, cardinalities: preprocessor.cardinalities, sequences: seq, text: e.text };
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length) || 1;
    const heads = headsFor(requested, y.every((v) => v >= 0));
    if (heads[0] !== 'mse' && !y.some((v) => v > 0)) throw new InputError(`LifetimeValueModel.fit: every target value is 0; there is no value to model`);
    const settings: Omit<TrainSettings, 'head'> = {
      ensemble: opts.ensemble ?? 5,
      backbone: { hidden: opts.hidden, dropout: opts.dropout, embeddingDropout: opts.embeddingDropout, textSizes: preprocessor.textSizes },
      ...(seq ? { sequence: { cell: opts.sequence === 'lstm' ? 'lstm' : 'gru', hidden: opts.sequenceHidden ?? 16 } } : {}),
      epochs: opts.epochs ?? 200, batchSize: opts.batchSize ?? 128, lr: opts.lr ?? 3e-3, weightDecay: opts.weightDecay ?? 1e-4,
      patience: opts.patience ?? 15, seed: opts.seed ?? 42, progress: opts.progress ?? false,
    };
    const scale = { mean, std }, nets: ValueNet[] = [], epochs: number[] = [], oofs: number[][][] = [], groups: HeadGroup[] = [];
    const history: NetworkHistory[] = [], nonNegative = y.every((v) => v >= 0);
    let gbm: ValueGbm | undefined;
    for (const head of heads) {
      if (head === 'gbm') {
        // Poisson's log link is tried beside squared error where the target allows it (value-gbm.ts).
        const r = ValueGbm.fit(x, preprocessor.numericColumns, y, { ensemble: settings.ensemble, seed: settings.seed, losses: nonNegative ? ['squared', 'poisson'] : ['squared'] });
        gbm = r.gbm;
        oofs.push(r.oof.map((v) => (v === undefined ? (undefined as unknown as number[]) : [v])));
        groups.push({ head, nets: 0, weight: 1 });
        continue;
      }
      // The same seed, so every head's folds hold out the same rows (out-of-fold blends).
      const r = await trainValueNets(x, scaledTargets(head, y, scale), { ...settings, head });
      nets.push(...r.nets);
      epochs.push(...r.epochs);
      history.push(...r.history.map((h) => ({ ...h, group: `${head} head` }))); // each head's loss has its own scale
      oofs.push(r.oof);
      groups.push({ head, nets: r.nets.length, weight: 1 });
    }
    const scored = oofs[0].map((o, i) => (o ? i : -1)).filter((i) => i >= 0);
    const actual = scored.map((i) => y[i]);
    const headValues = heads.map((h, k) => scored.map((i) => headValue(h, oofs[k][i], scale)));
    blendWeights(headValues, actual).forEach((w, k) => (groups[k].weight = w));
    const state: State = {
      mode, head: heads.length === 1 ? heads[0] : 'auto', groups, target: opts.target, ...(targetFormat ? { targetFormat } : {}), log, scale, residuals: [0, 0, 0], schema, nonNegative,
      validation: { rows: 0, rmse: NaN, spearman: NaN, epochs },
    };
    if (gbm) state.gbm = gbm.state;
    const model = new LifetimeValueModel(nets, preprocessor, state, gbm);
    // Validation figures are of the uncalibrated out-of-fold blend (the map is fitted on it).
    const uncalibrated = scored.map((_, r) => groups.reduce((a, g, k) => a + g.weight * headValues[k][r], 0));
    if ((opts.calibrate ?? true) && scored.length >= 200) state.calibration = fitIsotonic(uncalibrated, actual);
    const pred = uncalibrated.map((v) => (state.calibration ? applyIsotonic(state.calibration, v) : v));
    if (heads.length > 1) state.validation.heads = heads.map((h, k) => ({ head: h, weight: groups[k].weight, rmse: rmse(headValues[k], actual) }));
    const res = scored.map((_, r) => actual[r] - pred[r]).sort((a, b) => a - b);
    state.residuals = [quantile(res, 0.1), quantile(res, 0.5), quantile(res, 0.9)];
    state.validation = { ...state.validation, rows: scored.length, rmse: rmse(uncalibrated, actual), spearman: spearman(uncalibrated, actual), epochs, history, ...(gbm ? { treeRounds: gbm.rounds } : {}) };
    return model;
  }

  get mode(): 'table' | 'log' {
    return this.state.mode;
  }

  /** The columns predict reads: the feature columns (table mode) or the log's three columns. */
  get inputSchema(): InputColumn[] {
    const l = this.state.log;
    if (l) return [{ name: l.customer, type: 'id' }, { name: l.time, type: 'date' }, { name: l.amount, type: 'numeric', ...(l.amountFormat ? { format: l.amountFormat } : {}) }];
    return inputColumns(this.preprocessor.columns);
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

  /** Each head's ensemble: the model's networks in order, with its blend weight. */
  private get groups(): { head: BlendMember; weight: number; nets: ValueNet[] }[] {
    let o = 0;
    return (this.state.groups ?? [{ head: this.state.head as ValueHead, nets: this.nets.length, weight: 1 }]).map((g) => ({ ...g, nets: this.nets.slice(o, (o += g.nets)) }));
  }

  /** Predicted values (blended over the heads, calibrated) of every row of x. */
  private values(x: ValueInputs): number[] {
    const sum = new Float64Array(x.n);
    for (const g of this.groups) {
      if (g.weight === 0) continue;
      if (g.head === 'gbm') {
        this.gbm!.predict(x).forEach((v, i) => (sum[i] += g.weight * v));
        continue;
      }
      rawOutputs(g.nets, x).forEach((raw, i) => (sum[i] += g.weight * headValue(g.head, raw, this.state.scale)));
    }
    // A target that was never negative (spend) has no negative expected value: an MSE head or a
    // blend can still dip below 0 on rows far from the data, and 0 is then nearer the truth.
    const floor = this.state.nonNegative ? 0 : -Infinity;
    return Array.from(sum, (v) => Math.max(floor, this.state.calibration ? applyIsotonic(this.state.calibration, v) : v));
  }

  /** Network inputs for rows; in log mode also which customer each input row is. */
  private inputs(rows: Row[] | Table, opts: LtvDataOptions, forEvaluate: boolean): { x: ValueInputs; customers?: string[]; future?: Float64Array; table: Table } {
    const table = Array.isArray(rows) ? { rows, columns: [] } : rows;
    if (!Array.isArray(table.rows)) throw new TypeError('LifetimeValueModel: expected an array of row objects');
    const l = this.state.log;
    if (!l) {
      const e = this.preprocessor.transform(table, undefined, opts);
      return { x: { n: e.n, numeric: e.numeric, numericWidth: this.preprocessor.numericWidth, categorical: e.categorical, cardinalities: this.preprocessor.cardinalities, text: e.text }, table };
    }
    const g = groupLog(table, l);
    const asOf = opts.asOf !== undefined ? timeInDays(opts.asOf, 'LifetimeValueModel', 'asOf') : forEvaluate ? g.lastDay - l.horizonDays : g.lastDay;
    const f = customerFeatures(g, asOf, l.horizonDays, l.steps);
    if (!f.customers.length) throw new InputError(`LifetimeValueModel: no customer bought on or before asOf`);
    const e = this.preprocessor.transform({ rows: f.rows, columns: Object.keys(f.rows[0]) }, undefined, { onWarning: opts.onWarning });
    const hasSeq = !!this.nets[0]?.opts.sequence;
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
    // No rows, no customers: [] as predict and predictInterval give, not "no customer bought on or before asOf".
    const t = Array.isArray(rows) ? rows : rows?.rows;
    if (Array.isArray(t) && !t.length) return [];
    const { x, customers } = this.inputs(rows, opts, false);
    const values = this.values(x), intervals = this.intervals(x, values);
    return customers!.map((customer, i) => ({ customer, value: values[i], ...intervals[i] }));
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
    return this.values(x);
  }

  private intervals(x: ValueInputs, values = this.values(x)): ValueInterval[] {
    const groups = this.groups;
    if (groups.length === 1 && groups[0].head === 'ziln')
      return rawOutputs(groups[0].nets, x).map((raw) => {
        const d = zilnParams(raw[0], raw[1], raw[2]);
        return { p10: zilnQuantile(d, 0.1), p50: zilnQuantile(d, 0.5), p90: zilnQuantile(d, 0.9) };
      });
    // No single distribution (an MSE or Poisson head, or a blend): the prediction plus
    // out-of-fold residual quantiles, kept at 0 or above for a non-negative target.
    const floor = this.state.nonNegative || groups.some((g) => g.head !== 'mse' && g.head !== 'gbm') ? 0 : -Infinity, [r10, r50, r90] = this.state.residuals;
    return values.map((v) => ({ p10: Math.max(floor, v + r10), p50: Math.max(floor, v + r50), p90: Math.max(floor, v + r90) }));
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
    return this.intervals(x);
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
      normalizedGini: actual.some((v) => v > 0) ? normalizedGini(pred, actual) : NaN,
      // Fewer than 10 labelled rows cannot fill 10 groups: one group per row then, not a RangeError.
      decileMape: decileMape(pred, actual, { bins: Math.min(10, pred.length) }),
    };
  }

  /** The predicted and the actual value of each labelled row (or customer of a log) evaluate() scores: what reports plot. */
  async predictedAndActual(data: string | Row[] | Table, opts: LtvDataOptions = {}): Promise<{ pred: number[]; actual: number[] }> {
    const table = await toTable(data, 'LifetimeValueModel.evaluate', opts.read);
    let pred: number[], actual: number[];
    if (this.state.log) {
      const { x, future } = this.inputs(table, opts, true);
      pred = this.values(x);
      actual = Array.from(future!);
    } else {
      const t = numericTarget(table, this.state.target!, { missing: 'drop', what: 'LifetimeValueModel.evaluate', format: this.state.targetFormat });
      pred = this.predict({ ...table, rows: t.rows.map((i) => table.rows[i]), lines: table.lines && t.rows.map((i) => table.lines![i]) }, opts);
      actual = Array.from(t.values);
    }
    return { pred, actual };
  }

  /** A short summary for people: inputs, output, training, validation. */
  describe(): string {
    const s = this.state, v = s.validation;
    const what = s.log
      ? `value over the next ${s.log.horizonDays} days per customer, from a transaction log (${s.log.customer}, ${s.log.time}, ${s.log.amount}); ${this.nets[0]?.opts.sequence ? `${this.nets[0].opts.sequence.cell.toUpperCase()} over the last ${s.log.steps} purchases + ` : ''}RFM features`
      : `'${s.target}' per customer from ${this.preprocessor.columns.length} columns (${this.preprocessor.columns.map((c) => c.name).join(', ')})`;
    return [
      `LifetimeValueModel (kind 'ltv'): predicts ${what}.`,
      `Head: ${HEAD_NAMES[s.head]}; ${this.nets.length} network(s)${v.epochs.length ? `, epochs ${v.epochs.join('/')}` : ''}${v.treeRounds ? `; ${v.treeRounds.length} boosted-tree model(s)${this.gbm?.offsetText ?? ''}, rounds ${v.treeRounds.join('/')}` : ''}.`,
      ...(v.heads ? [`Blend (weights chosen on out-of-fold RMSE): ${v.heads.map((h) => `${h.head} ${h.weight.toFixed(1)} (RMSE ${h.rmse.toFixed(2)})`).join(', ')}.`] : []),
      `Out-of-fold validation on ${v.rows} rows: RMSE ${v.rmse.toFixed(2)}, Spearman ${v.spearman.toFixed(3)}.`,
    ].join('\n');
  }

  toSafetensors(): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
    const s = this.state;
    const finite = [s.scale.mean, s.scale.std, ...s.residuals, ...(s.log ? [s.log.asOf] : []), ...(s.calibration ? [...s.calibration.x, ...s.calibration.y] : [])];
    if (!finite.every(Number.isFinite)) throw new Error('save: the value model holds a statistic that is not a finite number');
    return {
      tensors: { ...Object.fromEntries(this.nets.flatMap((net, m) => Object.entries(net.stateDict()).map(([k, t]) => [`net${m}.${k}`, t]))), ...this.gbm?.tensors() },
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
    const state = meta.state as State;
    if (!state || (state.mode !== 'table' && state.mode !== 'log')) throw new Error('LifetimeValueModel: the file has no model state');
    if (!Array.isArray(configs) || (!configs.length && !state.gbm)) throw new Error('LifetimeValueModel: the file lists no networks');
    if (state.targetFormat !== undefined && !NUMBER_FORMATS.includes(state.targetFormat)) throw new Error(`LifetimeValueModel: the file's target format ${JSON.stringify(state.targetFormat)} is unknown`);
    for (const [name, t] of Object.entries(tensors))
      if (t.dtype === 'float32' && !t.dataSync().every(Number.isFinite)) throw new Error(`LifetimeValueModel: the weights '${name}' hold values that are not finite`);
    const preprocessor = Preprocessor.fromJSON(meta.preprocessor);
    const nets = configs.map((cfg, m) => {
      const net = new ValueNet(...cfg.args);
      const prefix = `net${m}.`;
      net.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t])));
      return net.eval();
    });
    const gbm = state.gbm ? ValueGbm.fromSaved(tensors, state.gbm) : undefined;
    if (!gbm && state.groups?.some((g) => g.head === 'gbm')) throw new Error('LifetimeValueModel: the file blends boosted trees but holds none');
    for (const t of Object.values(tensors)) t.dispose();
    return new LifetimeValueModel(nets, preprocessor, { ...state, validation: { ...state.validation, rmse: state.validation.rmse ?? NaN } }, gbm);
  }
}

registerPreset(LifetimeValueModel, ['value', 'clv']);
