// npm run bench:quality: the churn/propensity presets on the shared public data sets, scored on
// their fixed test splits beside the scikit-learn baselines of ../shared/data/BASELINES.md
// (logistic regression and gradient boosting, same splits). Model quality, not speed: the
// tables are what a marketing team would ask before trusting the presets. Yes/no targets run
// ChurnModel; targets with more classes run PropensityModel (next best offer), beside the
// BASELINES figures where the file has them and beside the majority-class share everywhere.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensorlift, printTable, root } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'mlc_churn.csv'))) {
  console.log(`bench:quality: skipped, the shared data sets are not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();

// Splits and baseline figures as BASELINES.md states them.
const sets = [
  { file: 'mlc_churn.csv', target: 'churn', split: (i) => i >= 3333, lr: 0.8375, gbm: 0.9246 },
  { file: 'wa_churn.csv', target: 'churn', split: (i) => i % 5 === 0, lr: 0.8354, gbm: 0.8172 },
  { file: 'ticdata.csv', target: 'CARAVAN', positive: 'insurance', split: (i) => i >= 5822, lr: 0.7278, gbm: 0.7177,
    top800: { lr: 111, gbm: 108, winner: 121 } },
];

console.log(`Churn / propensity preset quality, ${new Date().toISOString()}\n`);
const rows = [];
for (const s of sets) {
  const { rows: all } = await tl.data.readCsv(join(dataDir, s.file));
  const train = all.filter((_, i) => !s.split(i)), test = all.filter((_, i) => s.split(i));
  const t0 = performance.now();
  const model = await tl.presets.ChurnModel.fit(train, { target: s.target, positive: s.positive, progress: false });
  const fitS = (performance.now() - t0) / 1000;
  const report = await model.evaluate(test);
  // The default keeps logistic boosted trees in the blend when they help (classifier-trees.ts); the networks alone beside it.
  const networks = await tl.presets.ChurnModel.fit(train, { target: s.target, positive: s.positive, progress: false, trees: false });
  const networksAuc = (await networks.evaluate(test)).auc.toFixed(4);
  const kept = model.trees ? ` (trees w ${model.trees.weight.toFixed(1)})` : ' (no trees kept)';
  let top = '';
  if (s.top800) {
    const p = model.predict(test);
    const order = p.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 800);
    const hits = order.filter(([, i]) => String(test[i][s.target]) === s.positive).length;
    top = `${hits} (LR ${s.top800.lr}, GBM ${s.top800.gbm}, challenge winner ${s.top800.winner})`;
  }
  rows.push([s.file, train.length, test.length, report.auc.toFixed(4) + kept, networksAuc, s.lr.toFixed(4), s.gbm.toFixed(4), report.logLoss.toFixed(4), fitS.toFixed(1), top || '-']);
}
printTable('test-set ROC AUC (BASELINES.md: logistic regression, HistGradientBoosting)',
  ['data set', 'train', 'test', 'tensorlift AUC', 'trees: false', 'LR AUC', 'GBM AUC', 'log loss', 'fit s', 'positives in top 800'], rows);

// More than two classes. Only digits has a BASELINES entry; the others are the marketing-style
// class targets the shared files hold (the contract a customer is on, how they pay, the
// overall-satisfaction score), with the majority class's share as the floor to beat.
const multi = [
  { file: 'digits.csv', target: 'label', split: (i) => i % 5 === 0, baseline: 'LR 0.9639, MLP 0.9778' },
  { file: 'wa_churn.csv', target: 'contract', split: (i) => i % 5 === 0 },
  { file: 'wa_churn.csv', target: 'payment_method', split: (i) => i % 5 === 0 },
  { file: 'customer_sat.csv', target: 'q1', split: (i) => i % 5 === 0 },
];
const multiRows = [];
for (const s of multi) {
  const { rows: all } = await tl.data.readCsv(join(dataDir, s.file));
  const train = all.filter((_, i) => !s.split(i)), test = all.filter((_, i) => s.split(i));
  const t0 = performance.now();
  const model = await tl.presets.PropensityModel.fit(train, { target: s.target, progress: false });
  const fitS = (performance.now() - t0) / 1000;
  const r = await model.evaluate(test);
  const counts = new Map();
  for (const row of train) counts.set(String(row[s.target]), (counts.get(String(row[s.target])) ?? 0) + 1);
  const majority = Math.max(...counts.values()) / train.length;
  const lifts = Object.values(r.perClassLift);
  multiRows.push([`${s.file} ${s.target}`, r.classes.length, train.length, test.length, r.accuracy.toFixed(4), majority.toFixed(4), s.baseline ?? '-',
    r.macroF1.toFixed(4), `${r.topK.toFixed(4)} (k ${r.k})`, r.logLoss.toFixed(4), `${Math.min(...lifts).toFixed(2)}-${Math.max(...lifts).toFixed(2)}`, fitS.toFixed(1)]);
}
printTable('more classes: PropensityModel test-set accuracy (BASELINES.md where it has the set; majority class share)',
  ['data set / target', 'classes', 'train', 'test', 'accuracy', 'majority', 'baseline accuracy', 'macro F1', 'top-k accuracy', 'log loss', 'top-decile lift per class', 'fit s'], multiRows);
