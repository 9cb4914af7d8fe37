// `tensorlift plan`: how many customers a campaign should contact, from a saved model and the
// money: an uplift model ranks by predicted uplift (expected incremental conversions), a churn
// model by P(churn) times an ASSUMED offer success rate. Prints the plan and its curve at
// every tenth of the population (or, with --json, the whole plan as JSON).
import { type Command, InvalidArgumentError } from 'commander';
import { InputError } from '../data/errors.js';
import { load } from '../io/model-file.js';
import { checkInputFile } from '../io/paths.js';
import { ChurnModel } from '../presets/churn.js';
import { UpliftModel } from '../presets/uplift/uplift-model.js';
import { readOptions, withReadOptions } from './options.js';
import { warn } from './process.js';

const amount = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number, got '${v}'`);
  return n;
};

const money = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

interface Row { contacts: number; share: number; cost: number; profit: number; gain: number; observed?: number }

function table(rows: Row[], gainName: string, observed: boolean): string {
  const header = ['share', 'contacts', gainName, ...(observed ? ['observed'] : []), 'cost', 'profit'];
  const cells = rows.map((r) => [`${(100 * r.share).toFixed(0)}%`, String(r.contacts), r.gain.toFixed(1), ...(observed ? [r.observed!.toFixed(1)] : []), money(r.cost), money(r.profit)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((c) => c.map((v, i) => v.padStart(widths[i])).join('  ')).join('\n');
}

/** The curve's points at 0, 10, ..., 100% of the population. */
function tenths<T extends { contacts: number }>(curve: T[], population: number): T[] {
  const wanted = new Set(Array.from({ length: 11 }, (_, k) => Math.round((k / 10) * population)));
  return curve.filter((p) => wanted.delete(p.contacts));
}

export function registerPlan(program: Command): void {
  withReadOptions(
    program
      .command('plan')
      .description('plan a campaign: how many to contact for the most expected profit (uplift or churn models)')
      .requiredOption('--model <file>', 'an uplift or churn model saved by train')
      .option('--data <file>', 'the customers to plan for (uplift: default the training rows; churn: required)')
      .requiredOption('--cost-per-contact <x>', 'what one contact costs', amount('--cost-per-contact'))
      .option('--value-per-conversion <y>', 'uplift: what one incremental conversion (or unit of a numeric outcome) is worth', amount('--value-per-conversion'))
      .option('--value-per-saved <y>', 'churn: what keeping one customer is worth', amount('--value-per-saved'))
      .option('--offer-success-rate <r>', 'churn: ASSUMED share of contacted would-be churners the offer keeps (0-1]', amount('--offer-success-rate'))
      .option('--budget <b>', 'the most to spend on contacts', amount('--budget'))
      .option('--json', 'print the whole plan (with its curve at every percent) as JSON')
      .option('--impute-missing', 'accept rows that lack some of the trained columns, imputing them'),
  ).action(async (o) => {
    await checkInputFile(o.model, '--model');
    if (o.data) await checkInputFile(o.data, '--data');
    const model = await load(o.model);
    const common = { costPerContact: o.costPerContact, budget: o.budget, read: readOptions(o), missing: o.imputeMissing ? ('impute' as const) : ('error' as const), onWarning: warn };
    if (model instanceof UpliftModel) {
      for (const f of ['valuePerSaved', 'offerSuccessRate']) if (o[f] !== undefined) throw new InputError(`plan: --${f === 'valuePerSaved' ? 'value-per-saved' : 'offer-success-rate'} is for churn models; an uplift model takes --value-per-conversion`);
      if (o.valuePerConversion === undefined) throw new InputError('plan: an uplift model needs --value-per-conversion');
      const plan = await model.plan({ ...common, valuePerConversion: o.valuePerConversion, ...(o.data ? { data: o.data } : {}) });
      if (o.json) return console.log(JSON.stringify(plan, null, 2));
      const observed = plan.observedIncrementalConversions !== undefined;
      console.log([
        `contact ${plan.contacts} of ${plan.population} (${(100 * plan.share).toFixed(1)}%), best-first by predicted uplift`,
        `expected incremental conversions ${plan.incrementalConversions.toFixed(1)}, cost ${money(plan.cost)}, expected profit ${money(plan.profit)}`,
        ...(observed ? [`observed in the data's own test: ${plan.observedIncrementalConversions!.toFixed(1)} incremental conversions among those rows`] : []),
        `basis: ${plan.basis}`, '',
        table(tenths(plan.curve, plan.population).map((p) => ({ ...p, gain: p.incrementalConversions, observed: p.observedIncrementalConversions })), 'incremental', observed),
      ].join('\n'));
      return;
    }
    if (model instanceof ChurnModel) {
      if (o.valuePerConversion !== undefined) throw new InputError('plan: --value-per-conversion is for uplift models; a churn model takes --value-per-saved and --offer-success-rate');
      if (o.valuePerSaved === undefined || o.offerSuccessRate === undefined) throw new InputError('plan: a churn model needs --value-per-saved and --offer-success-rate (the assumed share of contacted churners the offer keeps)');
      if (!o.data) throw new InputError('plan: a churn plan needs --data (the customers to plan for)');
      const plan = await model.plan({ ...common, valuePerSaved: o.valuePerSaved, offerSuccessRate: o.offerSuccessRate, data: o.data });
      if (o.json) return console.log(JSON.stringify(plan, null, 2));
      console.log([
        `contact ${plan.contacts} of ${plan.population} (${(100 * plan.share).toFixed(1)}%), highest P(churn) first`,
        `expected saved customers ${plan.expectedSaved.toFixed(1)}, cost ${money(plan.cost)}, expected profit ${money(plan.profit)}`,
        `ASSUMPTION: ${plan.assumption}`, '',
        table(tenths(plan.curve, plan.population).map((p) => ({ ...p, gain: p.expectedSaved })), 'saved', false),
      ].join('\n'));
      return;
    }
    throw new InputError(`plan: a '${(model as { kind?: string }).kind ?? 'plain network'}' model cannot plan a campaign (use an uplift or churn model)`);
  });
}
