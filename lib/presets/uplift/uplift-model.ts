// UpliftModel: who a campaign would change, from a randomized test (a treatment column and an
// outcome). predict gives each row's uplift: the expected outcome if treated minus if not (a
// change in conversion probability, or in spend). Training (fit-uplift.ts) tries a TARNet, a
// T-learner and a class-transformation network and keeps the best by out-of-fold uplift-curve
// area; evaluate reports Qini, AUUC and uplift@k with bootstrap intervals and a balance check;
// plan turns predicted uplift and money into how many customers to contact.
import { columnList } from '../../data/errors.js';
import { Preprocessor } from '../../data/preprocess.js';
import type { ColumnInfo } from '../../data/schema.js';
import { type Row, type Table, toTable } from '../../data/table.js';
import { type Outcome, type Treatment, encodeOutcome, encodeTreatment } from '../../data/treatment.js';
import { load as loadModel, save as saveModel } from '../../io/model-file.js';
import { upliftCurve } from '../../metrics/uplift.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkCosts, planCampaign } from '../campaign-plan.js';
import { buildFromParts, partsFromSafetensors, partsToSafetensors } from '../persist.js';
import type { Data, DataOptions, InputColumn, OutputColumn, OutputValue, PredictOptions, Preset, Saved } from '../preset.js';
import { asTable, describeInput, inputColumns } from '../preset.js';
import { registerPreset } from '../registry.js';
import { TabularNet } from '../tabular-net.js';
import { balanceOf } from './balance.js';
import { type Calibration, type Component, type FittedUplift, type UpliftFitOptions, applyCalibration, fitUplift } from './fit-uplift.js';
import { LEARNERS, type Learner, featureTensors, netsPerMember, upliftOf } from './learners.js';
import { UpliftEnsemblePlan } from './uplift-plan.js';
import { type BootstrapOptions, type UpliftReport, upliftReport } from './uplift-report.js';

export type { UpliftFitOptions } from './fit-uplift.js';
export type { UpliftReport } from './uplift-report.js';

export interface UpliftPlanOptions {
  costPerContact: number;
  /** What one incremental conversion (or, for a numeric outcome, one unit of it) is worth. */
  valuePerConversion: number;
  budget?: number;
  /** The customers to plan for (a path or rows); default: the training rows (their out-of-fold uplift). */
  data?: Data;
  read?: DataOptions['read'];
  missing?: DataOptions['missing'];
  onWarning?: DataOptions['onWarning'];
}

export interface UpliftPlanPoint {
  contacts: number;
  share: number;
  /** Expected incremental conversions of contacting the top `contacts` by predicted uplift. */
  incrementalConversions: number;
  cost: number;
  profit: number;
  /** Measured in the data's own test (labelled data only): treated-minus-control rate among those rows × contacts. */
  observedIncrementalConversions?: number;
}

export interface UpliftPlan extends UpliftPlanPoint {
  population: number;
  /** Where the expected figures come from. */
  basis: string;
  curve: UpliftPlanPoint[];
}

export class UpliftModel implements Preset<number, UpliftReport> {
  static readonly kind = 'uplift';
  readonly kind = UpliftModel.kind;
  /** The learner kept, or 'blend' (the mean uplift of every learner in `components`). */
  readonly chosen: Learner | 'blend';
  readonly components: Component[];
  readonly preprocessor: Preprocessor;
  readonly schema: ColumnInfo[];
  readonly treatment: Treatment;
  readonly outcome: Outcome;
  readonly scale: number;
  readonly calibration: Calibration;
  readonly validation: FittedUplift['validation'];
  readonly training: FittedUplift['training'];
  readonly population: number[];

  private constructor(f: FittedUplift) {
    this.chosen = f.chosen;
    this.components = f.components;
    this.preprocessor = f.preprocessor;
    this.schema = f.schema;
    this.treatment = f.treatment;
    this.outcome = f.outcome;
    this.scale = f.scale;
    this.calibration = f.calibration;
    this.validation = f.validation;
    this.training = f.training;
    this.population = f.population;
  }

  /**
   * Trains on a randomized campaign: `{ treatment, treated?, outcome, positive? }` name the
   * treatment column (two arms), its treated value, the outcome and its converted value.
   */
  static async fit(data: Data, opts: UpliftFitOptions): Promise<UpliftModel> {
    return new UpliftModel(await fitUplift(data, opts));
  }

  get inputSchema(): InputColumn[] {
    return inputColumns(this.preprocessor.columns);
  }

  /** Uplift per row: expected outcome if treated minus if not (a probability difference for a conversion). */
  predict(rows: Row[] | Table, opts: PredictOptions = {}): number[] {
    const table = asTable(rows, 'UpliftModel.predict');
    if (!table.rows.length) return [];
    const e = this.preprocessor.transform(table, undefined, opts);
    const plans = this.#componentPlans();
    const combine = (each: Float32Array[]) =>
      Array.from(each[0], (_, i) => applyCalibration(this.calibration, (each.reduce((a, u) => a + u[i], 0) / each.length) * this.scale));
    if (plans) return combine(plans.map((p) => p.run(e.numeric, e.categorical)));
    const [num, catg] = featureTensors(e, this.preprocessor);
    try {
      return combine(this.components.map((c) => upliftOf(c.learner, c.members, num, catg, this.outcome.type)));
    } finally {
      num.dispose();
      catg.dispose();
    }
  }

  // Each component's networks as one inference plan (uplift-plan.ts), built on first use; null
  // when they cannot be (text columns, networks on the GPU): predict then runs them eagerly.
  #plans: UpliftEnsemblePlan[] | null | undefined;

  #componentPlans(): UpliftEnsemblePlan[] | null {
    if (this.#plans === undefined) {
      const built: UpliftEnsemblePlan[] = [];
      try {
        for (const c of this.components)
          built.push(new UpliftEnsemblePlan(c.learner, c.members, this.preprocessor.numericWidth, this.preprocessor.cardinalities.length, this.outcome.type));
        this.#plans = built;
      } catch {
        built.forEach((p) => p.dispose());
        this.#plans = null;
      }
    }
    return this.#plans;
  }

  outputColumns(): OutputColumn[] {
    const o = this.outcome;
    const what = o.type === 'binary' ? `P(${o.name} = ${o.positive})` : `'${o.name}'`;
    return [{ name: 'uplift', type: 'number', description: `change in ${what} if treated ('${this.treatment.name}' = ${this.treatment.treated}) rather than not` }];
  }

  score(rows: Row[] | Table, opts: PredictOptions = {}): OutputValue[][] {
    return this.predict(rows, opts).map((u) => [u]);
  }

  /**
   * On labelled campaign rows (treatment and outcome columns): Qini, AUUC, uplift in the top
   * 10/20/30%, the average effect, bootstrap intervals of each and the arms' balance.
   */
  async evaluate(data: Data, opts: DataOptions & { bootstrap?: BootstrapOptions } = {}): Promise<UpliftReport> {
    const table = await toTable(data, 'UpliftModel.evaluate', opts.read);
    const t = encodeTreatment(table, this.treatment), y = encodeOutcome(table, this.outcome);
    const e = this.preprocessor.transform(table, undefined, { missing: opts.missing, onWarning: opts.onWarning });
    const s = Float64Array.from(this.predict(table, { missing: opts.missing, onWarning: () => undefined }));
    return upliftReport(s, t, y, balanceOf(e, this.preprocessor, t), opts.bootstrap);
  }

  /**
   * How many to contact, best-first by predicted uplift, to maximize expected profit =
   * incremental conversions × valuePerConversion − contacts × costPerContact (within
   * `budget`). For `data` (default: the training rows, by their out-of-fold uplift).
   */
  async plan(opts: UpliftPlanOptions): Promise<UpliftPlan> {
    const costs = checkCosts(opts as unknown as Record<string, unknown>, 'valuePerConversion', '--value-per-conversion');
    if (opts.data === undefined) {
      const n = this.training.rows, b = this.population.length;
      const sizes = this.population.map((_, k) => Math.round(((k + 1) * n) / b) - Math.round((k * n) / b));
      const core = planCampaign(this.population, sizes, costs);
      return { ...rename(core), population: core.population, basis: `out-of-fold predicted uplift of the ${n} training rows`, curve: core.curve.map(rename) };
    }
    const table = await toTable(opts.data, 'UpliftModel.plan', opts.read);
    const u = this.predict(table, { missing: opts.missing, onWarning: opts.onWarning });
    const order = u.map((_, i) => i).sort((a, b) => u[b] - u[a] || a - b);
    const core = planCampaign(order.map((i) => u[i]), order.map(() => 1), costs);
    const labelled = table.columns.includes(this.treatment.name) && table.columns.includes(this.outcome.name);
    let observed: ((contacts: number) => number) | undefined;
    if (labelled) {
      const c = upliftCurve(u, encodeTreatment(table, this.treatment), encodeOutcome(table, this.outcome), table.rows.length + 1);
      observed = (contacts) => c.upliftGain[contacts] * table.rows.length;
    }
    const point = (p: typeof core.curve[number]): UpliftPlanPoint => ({ ...rename(p), ...(observed ? { observedIncrementalConversions: observed(p.contacts) } : {}) });
    return { ...point(core), population: core.population, basis: `predicted uplift of the ${table.rows.length} rows given${labelled ? ' (observed: measured in their own test)' : ''}`, curve: core.curve.map(point) };
  }

  describe(): string {
    const o = this.outcome, v = this.validation, tr = this.training;
    const what = o.type === 'binary' ? `P(${o.name} = '${o.positive}')` : `'${o.name}'`;
    const inputs = this.inputSchema.map(describeInput);
    return [
      `UpliftModel (kind 'uplift'): per row, the change in ${what} if treated ('${this.treatment.name}' = '${this.treatment.treated}') rather than not (column 'uplift')`,
      `inputs: ${inputs.length} columns: ${columnList(inputs, 16)}`,
      `trained on ${tr.rows} rows (${tr.treated} treated, ${tr.control} control; average effect ${tr.ate.toFixed(4)}); ${this.chosen === 'blend' ? `a blend of ${this.components.map((c) => c.learner).join(', ')}` : `learner '${this.chosen}'`}, ${this.components[0].members.length} folds`,
      `out-of-fold uplift-curve area ${v.auuc.toFixed(4)}, Qini ${v.qini.toFixed(4)}, uplift in top 30% ${v.upliftAt30.toFixed(4)} (tried: ${v.tried.map((t) => `${t.learner} ${t.auuc.toFixed(4)}`).join(', ')})`,
      `uplift calibrated to the average effect + ${this.calibration.slope.toFixed(2)} × the networks' deviation from it (out-of-fold slope ${this.calibration.rawSlope.toFixed(2)})`,
    ].join('\n');
  }

  toSafetensors(): Saved {
    return partsToSafetensors({ kind: this.kind, preset: 'UpliftModel' }, {
      preprocessor: this.preprocessor.toJSON(),
      backbones: this.components.flatMap((c) => c.members.flat()),
      head: { chosen: this.chosen, components: this.components.map((c) => ({ learner: c.learner, folds: c.members.length })), outcomeType: this.outcome.type, scale: this.scale },
      info: { treatment: this.treatment, outcome: this.outcome, schema: this.schema, validation: this.validation, training: this.training, population: this.population, calibration: this.calibration },
    });
  }

  save(path: string): Promise<void> {
    return saveModel(this, path);
  }

  static async load(path: string): Promise<UpliftModel> {
    const m = await loadModel(path);
    if (!(m instanceof UpliftModel)) throw new TypeError(`UpliftModel.load: ${path} does not hold an uplift model`);
    return m;
  }

  /** @internal Rebuilds from a file's tensors and metadata (registered with tl.load). */
  static fromSaved(tensors: Record<string, Tensor>, meta: Record<string, unknown>): UpliftModel {
    const parts = partsFromSafetensors(tensors, meta, { kind: UpliftModel.kind, preset: 'UpliftModel' });
    return buildFromParts(parts, () => {
      const head = parts.head as { chosen: string; components: { learner: Learner; folds: number }[]; outcomeType: string; scale: number };
      const info = parts.info as Omit<FittedUplift, 'components' | 'preprocessor' | 'chosen' | 'scale'>;
      if (!Array.isArray(head.components) || !head.components.length) throw new Error('UpliftModel: the file lists no learners');
      if (!(head.chosen === 'blend' || (head.components.length === 1 && head.chosen === head.components[0].learner))) throw new Error(`UpliftModel: the file's learner ${JSON.stringify(head.chosen)} does not match its networks`);
      if (!(head.scale > 0)) throw new Error("UpliftModel: the file's outcome scale is not a positive number");
      if (!info.treatment || !info.outcome || head.outcomeType !== info.outcome.type || !info.training || !Array.isArray(info.population)) throw new Error('UpliftModel: the file lacks its treatment, outcome or training summary');
      const c = info.calibration;
      if (!c || ![c.ate, c.center, c.slope].every((v) => typeof v === 'number' && Number.isFinite(v))) throw new Error('UpliftModel: the file lacks its uplift calibration');
      const nets = parts.backbones.map((m, i) => {
        if (!(m instanceof TabularNet)) throw new Error(`UpliftModel: network ${i} is a ${m.constructor.name}, not a TabularNet`);
        return m;
      });
      let next = 0;
      const components: Component[] = head.components.map(({ learner, folds }) => {
        if (!LEARNERS.includes(learner)) throw new Error(`UpliftModel: unknown learner ${JSON.stringify(learner)} in the file`);
        const per = netsPerMember(learner);
        if (!Number.isInteger(folds) || folds < 1 || next + folds * per > nets.length) throw new Error(`UpliftModel: the file has too few networks for learner '${learner}'`);
        const members = Array.from({ length: folds }, () => nets.slice(next, (next += per)));
        return { learner, members };
      });
      if (next !== nets.length) throw new Error(`UpliftModel: the file has ${nets.length - next} networks no learner uses`);
      return new UpliftModel({ ...info, chosen: head.chosen as Learner | 'blend', scale: head.scale, components, preprocessor: Preprocessor.fromJSON(parts.preprocessor) });
    });
  }
}

function rename(p: { contacts: number; share: number; incremental: number; cost: number; profit: number }): UpliftPlanPoint {
  return { contacts: p.contacts, share: p.share, incrementalConversions: p.incremental, cost: p.cost, profit: p.profit };
}

registerPreset(UpliftModel);
