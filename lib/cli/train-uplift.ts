// `tensorlift train uplift`: a randomized campaign file -> UpliftModel. Its own flags (the
// treatment column and treated value, the outcome, the learner, the folds) join the train
// command's union of preset options through upliftOptions().
import { Option } from 'commander';
import { int } from './options.js';
import { inferSchema } from '../data/schema.js';
import type { LearnerScore } from '../presets/uplift/fit-uplift.js';
import { LEARNERS } from '../presets/uplift/learners.js';
import type { UpliftModel } from '../presets/uplift/uplift-model.js';
import type { TrainSpec } from './train.js';

export function upliftOptions(): Option[] {
  return [
    new Option('--treatment <column>', 'uplift: the column saying who was treated (two values)'),
    new Option('--treated <value>', 'uplift: the treated value of --treatment, when not obvious (1, yes, true, treated)'),
    new Option('--outcome <column>', 'uplift: the outcome the campaign should change (a conversion or a number)'),
    new Option('--learner <learner>', 'uplift: auto (default: the blend, or a clearly better learner) or one learner').choices(['auto', ...LEARNERS]),
    new Option('--folds <n>', 'uplift: validation folds, one network per fold and learner (2-10, default 5)').argParser(int('--folds', 10)),
  ];
}

const score = (s: LearnerScore) => `${s.learner} ${s.auuc.toFixed(4)}`;

export const upliftSpec: TrainSpec = {
  kind: 'uplift',
  takes: ['treatment', 'treated', 'outcome', 'positive', 'learner', 'folds', 'epochs'],
  requires: ['treatment', 'outcome'],
  fitOptions: (o, progress) => ({
    treatment: o.treatment, treated: o.treated, outcome: o.outcome, positive: o.positive, learner: o.learner, folds: o.folds,
    exclude: o.exclude, epochs: o.epochs, seed: o.seed, progress: process.stderr.isTTY,
    onLearner: (s: LearnerScore) => progress(`learner ${s.learner}: out-of-fold uplift-curve area ${s.auuc.toFixed(4)}, Qini ${s.qini.toFixed(4)}`),
  }),
  trained: (model, seconds) => {
    const m = model as UpliftModel;
    const v = m.validation;
    return `trained in ${seconds.toFixed(1)} s; kept ${m.chosen} (tried ${v.tried.map(score).join(', ')}); out-of-fold uplift-curve area ${v.auuc.toFixed(4)}, uplift in the top 30% ${v.upliftAt30.toFixed(4)}`;
  },
  testColumns: (data, o) => {
    const treatment = String(o.treatment), outcome = String(o.outcome);
    const exclude = [...((o.exclude as string[] | undefined) ?? []), treatment].filter((c) => data.columns.includes(c));
    const schema = inferSchema(data, outcome, { exclude });
    return [treatment, outcome, ...schema.filter((c) => ['numeric', 'boolean', 'categorical'].includes(c.kind)).map((c) => c.name)];
  },
};
