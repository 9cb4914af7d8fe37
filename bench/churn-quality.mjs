// npm run bench:quality: the churn/propensity preset on the shared public data sets, scored on
// their fixed test splits beside the scikit-learn baselines of ../shared/data/BASELINES.md
// (logistic regression and gradient boosting, same splits). Model quality, not speed: the
// table is what a marketing team would ask before trusting the preset.
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
  let top = '';
  if (s.top800) {
    const p = model.predict(test);
    const order = p.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 800);
    const hits = order.filter(([, i]) => String(test[i][s.target]) === s.positive).length;
    top = `${hits} (LR ${s.top800.lr}, GBM ${s.top800.gbm}, challenge winner ${s.top800.winner})`;
  }
  rows.push([s.file, train.length, test.length, report.auc.toFixed(4), s.lr.toFixed(4), s.gbm.toFixed(4), report.logLoss.toFixed(4), fitS.toFixed(1), top || '-']);
}
printTable('test-set ROC AUC (BASELINES.md: logistic regression, HistGradientBoosting)',
  ['data set', 'train', 'test', 'tensorlift AUC', 'LR AUC', 'GBM AUC', 'log loss', 'fit s', 'positives in top 800'], rows);
