// `tensorlift train <preset>`: what each preset takes on the command line. A spec names the
// preset's own options (the train command accepts the union, and refuses an option given to a
// preset that does not take it), turns the parsed flags into its fit() options, and says in
// one line how training went. Adding a preset to the CLI is adding a spec here.
import { Option } from 'commander';
import { int } from './options.js';
import { InputError, columnList } from '../data/errors.js';
import { inferSchema } from '../data/schema.js';
import type { Table } from '../data/table.js';
import type { TabularClassifier } from '../presets/classifier.js';
import type { NetworkProgress } from '../presets/classifier-fit.js';
import type { Preset } from '../presets/preset.js';
import { upliftOptions, upliftSpec } from './train-uplift.js';
import { textSpec } from './train-text.js';

/** Parsed flags of the train command (commander's camelCase names). */
export type Flags = Record<string, unknown> & { data: string; out: string; test?: string };

export interface TrainSpec {
  /** The preset kind this trains (the registry finds the class). */
  kind: string;
  /** Attribute names (commander's camelCase) of the options this preset takes beyond the common ones. */
  takes: string[];
  /** Flags that must be given, by attribute name. */
  requires: string[];
  /** The fit() options from the flags; `onNetwork` etc. are added here for progress on stderr. */
  fitOptions(o: Flags, progress: (line: string) => void): Record<string, unknown>;
  /** One line after training (`seconds` of wall time). */
  trained(model: Preset, seconds: number): string;
  /** Columns a --test file needs (checked before training). */
  testColumns(data: Table, o: Flags): string[];
}


/** Every preset-specific option of the train command (a preset takes a subset: TrainSpec.takes). */
export function presetOptions(): Option[] {
  return [
    new Option('--target <column>', 'the outcome column (churn, propensity: yes/no, or classes such as offers)'),
    new Option('--positive <value>', 'the positive value of a yes/no target, when not obvious'),
    new Option('--ensemble <n>', 'networks in the ensemble (1-20)').argParser(int('--ensemble', 20)),
    new Option('--epochs <n>', 'maximum epochs per network').argParser(int('--epochs')),
    new Option('--class-weight <how>', 'weight classes inversely to their frequency (balanced, the default) or not (none)').choices(['balanced', 'none']),
    new Option('--no-trees', 'churn, propensity (yes/no targets): networks alone, without the logistic boosted trees blended in when they help out of fold'),
    // The default since trees are on; still accepted, so scripts written for the opt-in keep working.
    new Option('--trees', 'churn, propensity (yes/no targets): blend in logistic boosted trees when they help (the default)'),
    new Option('--max-classes <n>', 'most classes a text target may have (propensity; default 100)').argParser(int('--max-classes', 10000)),
    new Option('--customer <column>', 'ltv from a transaction log: the customer id column'),
    new Option('--time <column>', 'ltv from a transaction log: the date column (ISO dates or days)'),
    new Option('--amount <column>', 'ltv from a transaction log: the amount column'),
    new Option('--horizon-days <n>', 'ltv from a transaction log: days of future value to predict').argParser(int('--horizon-days', 36500)),
    new Option('--as-of <date>', 'ltv from a transaction log: the training cut-off (default: the end minus the horizon)'),
    new Option('--head <head>', "ltv: the value head: 'auto' (table default: ZILN, Poisson, MSE and boosted trees blended by out-of-fold RMSE), 'ziln' (zero-inflated lognormal, log default), 'poisson', 'mse' or 'gbm' (gradient-boosted trees)").choices(['auto', 'ziln', 'poisson', 'mse', 'gbm']),
    new Option('--k <k>', "segments: the number of segments, or 'auto' (2..10 by silhouette; default)"),
    new Option('--drop-missing', 'ltv: train without the rows whose target is missing (default: an error naming the row)'),
    ...upliftOptions(),
    new Option('--text <column>', 'sentiment, intent: the column holding the text'),
    new Option('--unlabelled <path>', 'sentiment, intent: a CSV or JSON Lines file of texts without labels (same text column) to learn latent word directions from; helps when labels are few'),
    new Option('--encoder <kind>', "sentiment, intent: the text encoder, 'bag' (bag of n-grams, default) or 'transformer'").choices(['bag', 'transformer']),
    new Option('--threshold <p>', 'intent: the confidence below which a message is out of scope (default: calibrated on held-out rows)'),
  ];
}

/** --k: a whole number from 2 to 50, or 'auto'. */
function segmentCount(v: unknown): number | 'auto' | undefined {
  if (v === undefined || v === 'auto') return v as undefined | 'auto';
  const k = Number(v);
  if (!Number.isInteger(k) || k < 2 || k > 50) throw new InputError(`--k must be 'auto' or a whole number from 2 to 50, got '${String(v)}'`);
  return k;
}

/** Progress of each network of an ensemble, as lines on stderr. */
function networkProgress(progress: (line: string) => void) {
  return ({ network, networks, epochs, auc, accuracy }: NetworkProgress) =>
    progress(
      epochs === undefined
        ? `network ${network}/${networks}: training`
        : `network ${network}/${networks}: ${epochs} epochs, ${auc !== undefined ? `ROC AUC ${auc.toFixed(4)}` : `accuracy ${accuracy!.toFixed(4)}`} on its held-out rows`,
    );
}

/** The classifiers' spec (churn and propensity differ only in kind). */
function classifierSpec(kind: string, extra: string[] = []): TrainSpec {
  return {
    kind,
    takes: ['target', 'positive', 'ensemble', 'epochs', 'classWeight', 'trees', ...extra],
    requires: ['target'],
    fitOptions: (o, progress) => ({
      target: o.target, positive: o.positive, exclude: o.exclude, ensemble: o.ensemble, epochs: o.epochs, seed: o.seed, classWeight: o.classWeight,
      ...(o.maxClasses === undefined ? {} : { maxClasses: o.maxClasses }),
      ...(o.trees === false ? { trees: false } : {}),
      progress: process.stderr.isTTY, onNetwork: networkProgress(progress),
    }),
    trained: (model, seconds) => {
      const m = model as TabularClassifier<unknown>;
      const v = m.validation;
      const measure = v.auc !== undefined ? `ROC AUC ${v.auc.toFixed(4)}` : `accuracy ${v.accuracy?.toFixed(4)}, log loss ${v.logLoss?.toFixed(4)}`;
      const trees = m.trees ? ` + boosted trees (blend weight ${m.trees.weight.toFixed(1)})` : '';
      return `trained ${m.nets.length} networks${trees} in ${seconds.toFixed(1)} s; out-of-fold ${measure}`;
    },
    // The target and every feature column, or evaluation would fail after training.
    testColumns: (data, o) => {
      const target = String(o.target);
      const schema = inferSchema(data, target, { exclude: o.exclude as string[] | undefined });
      return [target, ...schema.filter((c) => ['numeric', 'boolean', 'categorical'].includes(c.kind)).map((c) => c.name)];
    },
  };
}

// Customer value: a per-customer table (--target) or a transaction log (--customer --time
// --amount --horizon-days), not both.
const ltvSpec: TrainSpec = {
  kind: 'ltv',
  takes: ['target', 'ensemble', 'epochs', 'customer', 'time', 'amount', 'horizonDays', 'asOf', 'head', 'dropMissing'],
  requires: [],
  fitOptions: (o) => {
    const log = ['customer', 'time', 'amount', 'horizonDays'];
    const given = log.filter((k) => o[k] !== undefined);
    if (o.target !== undefined && given.length) throw new InputError('train ltv: give --target (a per-customer table) or --customer/--time/--amount/--horizon-days (a transaction log), not both');
    if (o.target === undefined && given.length !== log.length)
      throw new InputError(`train ltv: needs --target, or all of ${log.map(flag).join(', ')}${given.length ? ` (missing ${log.filter((k) => o[k] === undefined).map(flag).join(', ')})` : ''}`);
    const asOf = o.asOf === undefined ? undefined : /^-?\d+(\.\d+)?$/.test(String(o.asOf)) ? Number(o.asOf) : String(o.asOf);
    return { target: o.target, customer: o.customer, time: o.time, amount: o.amount, horizonDays: o.horizonDays, asOf, head: o.head,
      missing: o.dropMissing ? 'drop' : undefined,
      exclude: o.exclude, ensemble: o.ensemble, epochs: o.epochs, seed: o.seed, progress: process.stderr.isTTY };
  },
  trained: (model, seconds) => {
    const v = (model as unknown as { validation: { rmse: number; spearman: number } }).validation;
    return `trained in ${seconds.toFixed(1)} s; out-of-fold RMSE ${v.rmse.toFixed(2)}, Spearman ${v.spearman.toFixed(4)}`;
  },
  testColumns: (data, o) => (o.target !== undefined ? [String(o.target)] : [o.customer, o.time, o.amount].map(String)),
};

const segmentSpec: TrainSpec = {
  kind: 'segments',
  takes: ['k', 'epochs'],
  requires: [],
  fitOptions: (o) => ({ k: segmentCount(o.k), exclude: o.exclude, epochs: o.epochs, seed: o.seed, progress: process.stderr.isTTY }),
  trained: (model, seconds) => {
    const m = model as unknown as { k: number; tried: { k: number; silhouette: number }[] };
    const best = m.tried.find((t) => t.k === m.k);
    return `found ${m.k} segments in ${seconds.toFixed(1)} s${best ? `; silhouette ${best.silhouette.toFixed(4)} in the input space` : ''}`;
  },
  testColumns: () => [],
};

export const TRAINERS: Record<string, TrainSpec> = {
  churn: classifierSpec('churn'),
  propensity: classifierSpec('propensity', ['maxClasses']),
  ltv: ltvSpec,
  segments: segmentSpec,
  uplift: upliftSpec,
  sentiment: textSpec('sentiment'),
  intent: textSpec('intent'),
};

// The option's own spelling, so a negated one reads --no-trees.
const flag = (attr: string) => presetOptions().find((opt) => opt.attributeName() === attr)?.long ?? `--${attr.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The spec of `preset`, after checking that the flags given are the ones it takes. */
export function trainSpec(preset: string, o: Flags, given: (attr: string) => boolean): TrainSpec {
  const spec = TRAINERS[preset];
  if (!spec) throw new InputError(`unknown preset '${preset}' (available: ${Object.keys(TRAINERS).join(', ')})`);
  for (const attr of spec.requires) if (o[attr] === undefined) throw new InputError(`train ${preset}: ${flag(attr)} is required`);
  const all = presetOptions().map((opt) => opt.attributeName());
  const foreign = all.filter((a) => !spec.takes.includes(a) && given(a));
  if (foreign.length) throw new InputError(`train ${preset} does not take ${foreign.map(flag).join(', ')} (it takes ${spec.takes.map(flag).join(', ')})`);
  return spec;
}

/** The --test file must have the columns the model needs, or it would fail after training. */
export function checkTestColumns(spec: TrainSpec, data: Table, test: Table, o: Flags): void {
  const absent = spec.testColumns(data, o).filter((c) => data.columns.includes(c) && !test.columns.includes(c));
  if (absent.length)
    throw new InputError(`--test ${o.test} lacks ${absent.length === 1 ? 'a column' : 'columns'} of --data: ${columnList(absent.map((c) => `'${c}'`))} (add ${absent.length === 1 ? 'it' : 'them'}, or leave ${absent.length === 1 ? 'it' : 'them'} out of training with --exclude)`);
}
