// node bench/churn-trees.mjs: would logistic boosted trees (lib/train/gbm, loss 'logistic') be
// worth blending into ChurnModel's ensemble of networks? ChurnModel is fitted on each churn
// set's training split as it is by default; 5 tree models are boosted on the same rows through
// its preprocessor (each early-stopped on a seeded 15% slice, their log-odds averaged), for each
// of value-gbm.ts's three tree shapes. The test split's ROC AUC is printed for blends
// (1 - w) * logit(ensemble) + w * trees, w = 0..1. An oracle view (w read off the test rows), so
// it only says whether a blend member is worth building; a preset would choose w out of fold.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensorlift, root, loadTreeColumns } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'mlc_churn.csv'))) {
  console.log(`churn-trees: skipped, the shared data sets are not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const internal = (p) => import(join(root, 'dist', p));
const { Binner } = await internal('train/gbm/bins.js');
const { GbmModel } = await internal('train/gbm/boost.js');
const { rocAuc } = await internal('metrics/classification.js');
const { seededRandom } = await internal('train/data.js');

const sets = [
  { file: 'mlc_churn.csv', target: 'churn', split: (i) => i >= 3333 },
  { file: 'wa_churn.csv', target: 'churn', split: (i) => i % 5 === 0 },
  { file: 'ticdata.csv', target: 'CARAVAN', positive: 'insurance', split: (i) => i >= 5822 },
];
const shapes = [{ maxLeaves: 7, minSamplesLeaf: 20 }, { maxLeaves: 15, minSamplesLeaf: 50 }, { maxLeaves: 31, minSamplesLeaf: 20 }];

const treeColumns = await loadTreeColumns();

const logit = (p) => Math.log(Math.max(p, 1e-7) / Math.max(1 - p, 1e-7));
const weights = Array.from({ length: 11 }, (_, k) => k / 10);
console.log(`ChurnModel ensemble + logistic trees, test ROC AUC by blend weight w of the trees, ${new Date().toISOString()}\n`);
console.log(['data set', 'tree shape', 'rounds', 'trees fit ms', ...weights.map((w) => `w ${w.toFixed(1)}`)].join(' | '));
for (const s of sets) {
  const { rows: all } = await tl.data.readCsv(join(dataDir, s.file));
  const train = all.filter((_, i) => !s.split(i)), test = all.filter((_, i) => s.split(i));
  const model = await tl.presets.ChurnModel.fit(train, { target: s.target, positive: s.positive, progress: false, trees: false });
  const positive = model.target.positive;
  const label = (r) => (String(r[s.target]) === positive ? 1 : 0);
  const yTest = test.map(label), yTrain = Float64Array.from(train, label);
  const pNets = model.predict(test);
  const pre = model.preprocessor, quiet = { onWarning: () => undefined };
  const a = treeColumns(pre, pre.transform({ rows: train, columns: Object.keys(train[0]) }, undefined, quiet));
  const b = treeColumns(pre, pre.transform({ rows: test, columns: Object.keys(test[0]) }, undefined, quiet));
  const binner = Binner.fit(a.columns, a.kinds, Array.from({ length: train.length }, (_, i) => i));
  const dTrain = binner.transform(a.columns, train.length), dTest = binner.transform(b.columns, test.length);
  for (const shape of shapes) {
    const raw = new Float64Array(test.length), rounds = [];
    const t0 = performance.now();
    for (let m = 0; m < 5; m++) {
      const random = seededRandom(100 + m), fit = [], stop = [];
      for (let i = 0; i < train.length; i++) (random() < 0.15 ? stop : fit).push(i);
      const g = GbmModel.fit(dTrain, yTrain, Uint32Array.from(fit), Uint32Array.from(stop), { ...shape, loss: 'logistic' });
      rounds.push(g.trees.length);
      g.predictRaw(dTest.bins, test.length).forEach((v, i) => (raw[i] += v / 5));
    }
    const ms = performance.now() - t0;
    const aucs = weights.map((w) => rocAuc(Array.from(pNets, (p, i) => (1 - w) * logit(p) + w * raw[i]), yTest).toFixed(4));
    console.log([s.file, `${shape.maxLeaves} leaves of >= ${shape.minSamplesLeaf}`, rounds.join(','), ms.toFixed(0), ...aucs].join(' | '));
  }
}
