// The campaign-plan section of a report: for a model with plan() (UpliftModel, ChurnModel; any
// preset that answers plan({ ...costs, data }) with { contacts, profit, curve }), the expected profit
// and incremental results of contacting the data's rows best-first, at every share of them,
// with the chosen point marked. The costs are the caller's assumptions and the page says so.
import { InputError } from '../data/errors.js';
import type { Table } from '../data/table.js';
import type { Preset } from '../presets/preset.js';
import type { BuildOptions, ChartPart, Section } from './section.js';
import { r4 } from './render.js';

/** What a plan answers; the incremental field is named per model (incrementalConversions, savedCustomers, ...). */
interface PlanLike {
  contacts: number;
  profit: number;
  cost: number;
  population?: number;
  basis?: string;
  /** What the figures assume, spelt out (a churn plan's offer success rate). */
  assumption?: string;
  curve: (Record<string, number | undefined> & { contacts: number; share: number; profit: number })[];
}

type Planner = Preset & { plan(opts: Record<string, unknown>): Promise<PlanLike> };

/** 'incrementalConversions' -> 'incremental conversions'. */
const label = (key: string) => key.replace(/([A-Z])/g, ' $1').toLowerCase();

const incrementalKey = (p: Record<string, unknown>) => Object.keys(p).find((k) => k !== 'observedIncrementalConversions' && /^(incremental|saved|expected)/i.test(k));

function profitChart(plan: PlanLike): ChartPart {
  const best = plan.curve.find((p) => p.contacts === plan.contacts) ?? plan.curve[0];
  return {
    title: 'Expected profit by campaign size',
    caption: 'Expected profit (incremental results × value − contacts × cost) when contacting the best-ranked share of these rows; the dot is the plan\'s choice.',
    spec: {
      width: 300, height: 230,
      layer: [
        { data: { values: plan.curve.map((p) => ({ share: r4(p.share), profit: r4(p.profit) })) }, mark: { type: 'line', color: '#4c78a8', strokeWidth: 2 }, encoding: { x: { field: 'share', type: 'quantitative', title: 'share contacted', axis: { format: '%' } }, y: { field: 'profit', type: 'quantitative', title: 'expected profit' } } },
        { data: { values: [{ share: r4(best.share), profit: r4(best.profit) }] }, mark: { type: 'point', filled: true, size: 80, color: '#e45756' }, encoding: { x: { field: 'share', type: 'quantitative' }, y: { field: 'profit', type: 'quantitative' } } },
        { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#999', strokeDash: [4, 3] }, encoding: { y: { field: 'zero', type: 'quantitative' } } },
      ],
    },
  };
}

function incrementalChart(plan: PlanLike, key: string): ChartPart {
  const observed = plan.curve.some((p) => typeof p.observedIncrementalConversions === 'number');
  const values = plan.curve.flatMap((p) => [
    { share: r4(p.share), value: r4(p[key] ?? NaN), which: 'expected' },
    ...(observed ? [{ share: r4(p.share), value: r4(p.observedIncrementalConversions ?? NaN), which: 'observed' }] : []),
  ]);
  return {
    title: 'Incremental results by campaign size',
    caption: observed
      ? 'Expected from the predictions, and observed in these rows\' own treated/control split (noisy for small groups).'
      : 'Expected incremental results of contacting the best-ranked share of these rows.',
    spec: {
      width: 300, height: 230, data: { values },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: { field: 'share', type: 'quantitative', title: 'share contacted', axis: { format: '%' } },
        y: { field: 'value', type: 'quantitative', title: label(key) },
        color: { field: 'which', type: 'nominal', title: null },
      },
    },
  };
}

export async function planSection(model: Preset, table: Table, costs: Record<string, number>, opts: BuildOptions): Promise<Section> {
  if (typeof (model as Planner).plan !== 'function') throw new InputError(`report: a '${model.kind}' model has no campaign plan; leave out the plan costs`);
  const plan = await (model as Planner).plan({ ...costs, data: table, missing: opts.missing, onWarning: opts.onWarning });
  const key = incrementalKey(plan.curve[0] ?? {}) ?? 'incrementalConversions';
  const assumptions = Object.entries(costs).map(([k, v]) => `${k} ${v}`).join(', ');
  return {
    title: 'Campaign plan',
    intro: `Assumed: ${assumptions}. Contact ${plan.contacts.toLocaleString('en-US')} of ${(plan.population ?? table.rows.length).toLocaleString('en-US')} rows for an expected ${Number(plan[key as keyof PlanLike] ?? NaN).toFixed(1)} incremental results and a profit of ${plan.profit.toFixed(2)}${plan.basis ? `; figures from the ${plan.basis}` : ''}. These are expectations under the stated costs, not measurements${plan.assumption ? `; the plan ${plan.assumption}` : ''}.`,
    charts: [profitChart(plan), incrementalChart(plan, key)],
    tables: [{ title: 'The plan at every tenth of the rows, and its choice', columns: ['share contacted', 'contacts', label(key), 'cost', 'expected profit'],
      rows: plan.curve.filter((p) => Math.abs(10 * p.share - Math.round(10 * p.share)) < 1e-9 || p.contacts === plan.contacts).map((p) => [p.share, p.contacts, p[key] ?? null, p.cost ?? null, p.profit]) }],
  };
}
