// node bench/propensity-trees.mjs: would softmax boosted trees (lib/train/gbm/softmax.ts) be worth
// blending into PropensityModel's multi-class networks? PropensityModel is fitted on each set's
// training split as it is by default; one softmax tree model (7 leaves of >= 20 rows, the binary
// trees' shape) is boosted on the same rows through its preprocessor, early-stopped on a seeded
// 15% slice (BAGS=m: m such models, averaged). The test split's accuracy and log loss are printed for blends
// (1 - w) * log p(networks) + w * trees' raw scores, w = 0..1 (softmaxed). An oracle view (w read
// off the test rows): it only says whether a blend member is worth building.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensorlift, root, loadTreeColumns } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'digits.csv'))) {
  console.log(`propensity-trees: skipped, the shared data sets are not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const internal = (p) => import(join(root, 'dist', p));
const { Binner } = await internal('train/gbm/bins.js');
const { SoftmaxGbm, softmaxLoss } = await internal('train/gbm/softmax.js');
const { seededRandom } = await internal('train/data.js');

const only = process.argv[2];
// BAGS=5: the trees' raw scores averaged over 5 models, each early-stopped on its own seeded slice.
const bags = Number(process.env.BAGS ?? 1);
const sets = [
  { file: 'digits.csv', target: 'label', split: (i) => i % 5 === 0 },
  { file: 'wa_churn.csv', target: 'contract', split: (i) => i % 5 === 0 },
  { file: 'wa_churn.csv', target: 'payment_method', split: (i) => i % 5 === 0 },
  { file: 'customer_sat.csv', target: 'q1', split: (i) => i % 5 === 0 },
].filter((s) => !only || `${s.file}:${s.target}`.includes(only));

const treeColumns = await loadTreeColumns();

const weights = Array.from({ length: 11 }, (_, k) => k / 10);
console.log(`PropensityModel + softmax trees, test accuracy / log loss by blend weight w of the trees, ${new Date().toISOString()}\n`);
console.log(['data set / target', 'K', 'rounds', 'net fit s', 'trees fit s', ...weights.map((w) => `w ${w.toFixed(1)}`), 'nets rescaled', 'best rescaled blend'].join(' | '));
for (const s of sets) {
  const { rows: all } = await tl.data.readCsv(join(dataDir, s.file));
  const train = all.filter((_, i) => !s.split(i)), test = all.filter((_, i) => s.split(i));
  let t0 = performance.now();
  const model = await tl.presets.PropensityModel.fit(train, { target: s.target, progress: false });
  const netS = (performance.now() - t0) / 1000;
  const classes = model.classes, K = classes.length, id = new Map(classes.map((c, k) => [c, k]));
  const label = (r) => id.get(String(r[s.target])) ?? -1;
  const yTrain = train.map(label), yTest = test.map(label);
  const logP = model.predictProba(test).map((p) => p.map((v) => Math.log(Math.max(v, 1e-15))));
  const pre = model.preprocessor, quiet = { onWarning: () => undefined };
  const a = treeColumns(pre, pre.transform({ rows: train, columns: Object.keys(train[0]) }, undefined, quiet));
  const b = treeColumns(pre, pre.transform({ rows: test, columns: Object.keys(test[0]) }, undefined, quiet));
  const binner = Binner.fit(a.columns, a.kinds, Uint32Array.from({ length: train.length }, (_, i) => i));
  const dTrain = binner.transform(a.columns, train.length), dTest = binner.transform(b.columns, test.length);
  const raw = new Float64Array(test.length * K), rounds = [];
  t0 = performance.now();
  for (let m = 0; m < bags; m++) {
    const random = seededRandom(100 + m), fit = [], stop = [];
    for (let i = 0; i < train.length; i++) (random() < 0.15 ? stop : fit).push(i);
    const g = SoftmaxGbm.fit(dTrain, yTrain, K, Uint32Array.from(fit), Uint32Array.from(stop), { maxLeaves: 7, minSamplesLeaf: 20 });
    rounds.push(g.rounds);
    g.predictRaw(dTest.bins, test.length).forEach((v, j) => (raw[j] += v / bags));
  }
  const treesS = (performance.now() - t0) / 1000;
  const score = (w, a = 1) => {
    let loss = 0, right = 0;
    const z = new Float64Array(K);
    for (let i = 0; i < test.length; i++) {
      for (let k = 0; k < K; k++) z[k] = a * ((1 - w) * logP[i][k] + w * raw[i * K + k]);
      loss += softmaxLoss(z, 0, K, yTest[i]);
      let best = 0;
      for (let k = 1; k < K; k++) if (z[k] > z[best]) best = k;
      right += best === yTest[i] ? 1 : 0;
    }
    return { acc: right / test.length, loss: loss / test.length };
  };
  const cell = (r) => `${r.acc.toFixed(4)} / ${r.loss.toFixed(4)}`;
  const cells = weights.map((w) => cell(score(w)));
  // Both sides rescaled (a = 2^(k/4), k = -8..8), as chooseTreeWeight does: what the trees add beyond a recalibration.
  const bestOf = (ws) => {
    let out = { loss: Infinity };
    for (const w of ws) for (let k = -8; k <= 8; k++) {
      const r = score(w, 2 ** (k / 4));
      if (r.loss < out.loss) out = { ...r, w, a: 2 ** (k / 4) };
    }
    return out;
  };
  const nets = bestOf([0]), blend = bestOf(weights.slice(1));
  cells.push(`${cell(nets)} (a ${nets.a.toFixed(2)})`, `${cell(blend)} (w ${blend.w.toFixed(1)}, a ${blend.a.toFixed(2)})`);
  console.log([`${s.file} ${s.target}`, K, rounds.join(','), netS.toFixed(1), treesS.toFixed(1), ...cells].join(' | '));
}
