// predict() latency of every preset, one row and 1,000 rows (preprocessing included), on the
// bundled real data: what a request handler or a batch job pays per call. Medians by tinybench.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fmt, loadTensorlift, medianMs, printTable, root } from './common.mjs';

const tl = await loadTensorlift();
const { rows } = await tl.data.readCsv(join(root, 'data', 'mlc_churn.csv'));
const train = rows.slice(0, 3000), score = rows.slice(3000, 4000);

// One entry per preset: how to fit it on bundled data (new presets add theirs here).
const presets = [
  ['ChurnModel (5-network ensemble)', () => tl.presets.ChurnModel.fit(train, { target: 'churn', progress: false })],
  ['ChurnModel (ensemble: 1)', () => tl.presets.ChurnModel.fit(train, { target: 'churn', ensemble: 1, progress: false })],
  ['ChurnModel (5-network ensemble).distill()', async () => (await tl.presets.ChurnModel.fit(train, { target: 'churn', progress: false })).distill({ data: train })],
];

console.log(`Preset predict() latency, ${new Date().toISOString()}, ${availableParallelism()} cores`);
const out = [];
for (const [name, fit] of presets) {
  const t0 = performance.now();
  const model = await fit();
  const fitS = (performance.now() - t0) / 1000;
  const one = await medianMs(`${name} 1`, () => model.predict([score[0]]), { time: 800 });
  const many = await medianMs(`${name} 1000`, () => model.predict(score), { time: 1500 });
  out.push([name, fmt(fitS, 1), fmt(one * 1000, 0), fmt(many, 2), fmt(1000 / many * 1000, 0)]);
}
printTable('predict(), preprocessing included', ['preset', 'fit s', '1 row, us', '1000 rows, ms', 'rows/s at 1000'], out);
