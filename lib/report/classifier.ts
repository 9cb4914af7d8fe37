// The report of ChurnModel and PropensityModel: for a yes/no target the gains, lift,
// calibration, ROC and score-distribution charts; for more classes per-class measures and the
// confusion matrix; then the training curves the model saved, and evaluate()'s numbers.
import { encodeClasses } from '../data/classes.js';
import { InputError } from '../data/errors.js';
import type { Table } from '../data/table.js';
import { encodeTarget, type BinaryTarget } from '../data/target.js';
import type { ChurnReport, MulticlassReport } from '../presets/classifier-report.js';
import type { TabularClassifier } from '../presets/classifier.js';
import { calibrationBins, calibrationChart, gainsChart, liftChart, rocChart, scoreDistributionChart } from './binary.js';
import { confusionChart, confusionCounts, perClassChart } from './multiclass.js';
import { type BuildOptions, type Section, metricsTable } from './section.js';
import { trainingSection } from './training.js';

const isBinary = (t: TabularClassifier<unknown>['target']): t is BinaryTarget => typeof (t as BinaryTarget).positive === 'string';

export async function classifierSections(model: TabularClassifier<unknown>, table: Table, opts: BuildOptions): Promise<Section[]> {
  if (!table.columns.includes(model.target.name) && !table.rows.some((r) => model.target.name in r))
    throw new InputError(`report: the data has no '${model.target.name}' column (the outcome the model predicts); a report needs labelled rows`);
  const report = await model.evaluate(table, opts);
  const sections = isBinary(model.target) ? binarySections(model, table, report as ChurnReport, opts) : multiclassSections(model, table, report as MulticlassReport, opts);
  sections.push(...trainingSection(model));
  return sections;
}

function binarySections(model: TabularClassifier<unknown>, table: Table, report: ChurnReport, opts: BuildOptions): Section[] {
  const t = model.target as BinaryTarget;
  const y = Array.from(encodeTarget(table, t));
  const p = model.predictProba(table, { missing: opts.missing, onWarning: () => undefined }).map((r) => r[1]);
  const bins = calibrationBins(p, y);
  return [
    {
      title: 'Targeting',
      intro: `${report.rows.toLocaleString('en-US')} labelled rows, ${report.positives.toLocaleString('en-US')} with ${t.name} = '${t.positive}' (${(100 * report.positives / report.rows).toFixed(1)}%). ROC AUC ${report.auc.toFixed(3)}; the top 10% of scores hold ${(100 * report.capture.top10).toFixed(1)}% of the positives.`,
      charts: [gainsChart(p, y), liftChart(report.lift)],
      tables: [{
        title: 'Deciles by score', columns: ['decile', 'customers', 'positives', 'rate', 'lift', 'cumulative gain'],
        rows: report.lift.map((d) => [d.bin, d.count, d.positives, d.rate, d.lift, d.cumulativeGain]),
      }],
    },
    {
      title: 'Probabilities',
      intro: `Log loss ${report.logLoss.toFixed(4)}, accuracy at 0.5 ${report.accuracy.toFixed(3)}.`,
      charts: [calibrationChart(p, y), rocChart(p, y), scoreDistributionChart(p, y, [t.negative, t.positive], t.name)],
      tables: [{ title: 'Calibration bins (equal counts)', columns: ['bin', 'rows', 'mean predicted', 'observed rate'], rows: bins.map((b, i) => [i + 1, b.count, b.predicted, b.observed]) }],
    },
    { title: 'Numbers', charts: [], tables: [metricsTable(report)] },
  ];
}

function multiclassSections(model: TabularClassifier<unknown>, table: Table, report: MulticlassReport, opts: BuildOptions): Section[] {
  const target = model.target as Exclude<TabularClassifier<unknown>['target'], BinaryTarget>;
  const y = Array.from(encodeClasses(table, target));
  const probs = model.predictProba(table, { missing: opts.missing, onWarning: () => undefined });
  const predicted = probs.map((row) => row.reduce((best, v, j) => (v > row[best] ? j : best), 0));
  return [
    {
      title: 'Classes',
      intro: `${report.rows.toLocaleString('en-US')} labelled rows, ${report.classes.length} classes of '${target.name}'. Accuracy ${report.accuracy.toFixed(3)}, top-${report.k} accuracy ${report.topK.toFixed(3)}, macro F1 ${report.macroF1.toFixed(3)}.`,
      charts: [perClassChart(report.perClass), confusionChart(confusionCounts(predicted, y, report.classes.length), report.classes)],
      tables: [{
        title: 'Per class', columns: ['class', 'rows', 'precision', 'recall', 'F1', 'top-decile lift'],
        rows: report.perClass.map((c) => [c.class, c.support, c.precision, c.recall, c.f1, c.lift]),
      }],
    },
    { title: 'Numbers', charts: [], tables: [metricsTable(report)] },
  ];
}
