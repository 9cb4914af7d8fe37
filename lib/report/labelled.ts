// The report of the class-label presets that are not tabular: SentimentModel, ImageClassifier
// (kinds 'sentiment', 'image') and IntentClassifier ('intent'). They share one shape: a target
// column of labels, `classes`, and `predictProba(table)`; so two labels get the targeting and
// probability charts of a churn model, and more labels the per-class measures and confusion
// matrix. An intent's labels that are not trained intents are out of scope: the charts use
// the in-scope rows, and the numbers (coverage, out-of-scope recall) come from evaluate().
import type { ClassTarget } from '../data/classes.js';
import { InputError } from '../data/errors.js';
import type { Table } from '../data/table.js';
import { asLabel, isMissing } from '../data/values.js';
import { liftTable } from '../metrics/marketing.js';
import { multiclassReport } from '../presets/classifier-report.js';
import type { Preset } from '../presets/preset.js';
import { calibrationChart, gainsChart, liftChart, rocChart, scoreDistributionChart } from './binary.js';
import { confusionChart, confusionCounts, perClassChart } from './multiclass.js';
import { type BuildOptions, type Section, metricsTable } from './section.js';

/** What this report reads of a label preset (SentimentModel, IntentClassifier, ImageClassifier). */
export interface LabelPreset extends Preset {
  readonly target: ClassTarget;
  readonly classes: string[];
  predictProba(rows: Table, opts?: BuildOptions): number[][];
}

export async function labelSections(model: LabelPreset, table: Table, opts: BuildOptions): Promise<Section[]> {
  const name = model.target.name;
  if (!table.columns.includes(name) && !table.rows.some((r) => name in r))
    throw new InputError(`report: the data has no '${name}' column (the label the model predicts); a report needs labelled rows`);
  const report = await model.evaluate(table, opts);
  const known = new Map(model.classes.map((c, i) => [c, i]));
  // Class id per row, -1 for a label the model does not know (an intent's out-of-scope rows).
  const labels = table.rows.map((r, i) => {
    if (isMissing(r[name] as never)) throw new InputError(`${table.source ?? 'the rows'}, row ${i + 1}: the label '${name}' is missing`);
    return known.get(asLabel(r[name] as never)) ?? -1;
  });
  const probs = model.predictProba(table, { missing: opts.missing, onWarning: () => undefined });
  const keep = labels.map((y, i) => i).filter((i) => labels[i] >= 0);
  const y = keep.map((i) => labels[i]), p = keep.map((i) => probs[i]);
  const outOfScope = labels.length - keep.length;
  const scope = outOfScope ? ` (${outOfScope.toLocaleString('en-US')} rows whose label is not a trained class are left out of the charts)` : '';
  const sections = !y.length ? [] : model.classes.length === 2 ? binarySections(model, p.map((r) => r[1]), y, scope) : multiclassSections(model, p, y, scope);
  sections.push({ title: 'Numbers', charts: [], tables: [metricsTable(report)] });
  return sections;
}

function binarySections(model: LabelPreset, p: number[], y: number[], scope: string): Section[] {
  const [negative, positive] = model.classes, name = model.target.name;
  const lift = liftTable(p, y);
  const positives = y.reduce((a, b) => a + b, 0);
  return [
    {
      title: 'Targeting',
      intro: `${y.length.toLocaleString('en-US')} labelled rows, ${positives.toLocaleString('en-US')} with ${name} = '${positive}' (${(100 * positives / y.length).toFixed(1)}%)${scope}.`,
      charts: [gainsChart(p, y), liftChart(lift)],
      tables: [],
    },
    {
      title: 'Probabilities',
      charts: [calibrationChart(p, y), ...(positives > 0 && positives < y.length ? [rocChart(p, y)] : []), scoreDistributionChart(p, y, [negative, positive], name)],
      tables: [],
    },
  ];
}

function multiclassSections(model: LabelPreset, probs: number[][], y: number[], scope: string): Section[] {
  const classes = model.classes;
  const r = multiclassReport(probs, y, classes, 1);
  const predicted = probs.map((row) => row.reduce((best, v, j) => (v > row[best] ? j : best), 0));
  return [{
    title: 'Classes',
    intro: `${y.length.toLocaleString('en-US')} labelled rows, ${classes.length} classes of '${model.target.name}'${scope}. Accuracy ${r.accuracy.toFixed(3)}, macro F1 ${r.macroF1.toFixed(3)}.`,
    charts: [perClassChart(r.perClass), confusionChart(confusionCounts(predicted, y, classes.length), classes)],
    tables: [{ title: 'Per class', columns: ['class', 'rows', 'precision', 'recall', 'F1'], rows: r.perClass.map((c) => [c.class, c.support, c.precision, c.recall, c.f1]) }],
  }];
}
