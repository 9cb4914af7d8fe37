// node bench/presets-uplift.mjs: UpliftModel.predict latency (1 row, 1000 rows, preprocessing
// included) through its inference plans against the eager path it replaced (every fold's
// networks one by one: learners.ts upliftOf), interleaved best-of-N, default options, on a
// simulated campaign over the bundled telco rows (test/fixtures/wa_churn_value.csv).
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadTensorlift, printTable, root } from './common.mjs';
import { simulateCampaign } from './uplift-sim.mjs';

const tl = await loadTensorlift();
const { featureTensors, upliftOf } = await import(join(root, 'dist', 'presets', 'uplift', 'learners.js'));
const { applyCalibration } = await import(join(root, 'dist', 'presets', 'uplift', 'fit-uplift.js'));
const { rows: telco } = await tl.data.readCsv(join(root, 'test', 'fixtures', 'wa_churn_value.csv'));
const sim = simulateCampaign(telco, { seed: 3 });
const train = sim.filter((_, i) => i % 5 !== 0).map((d) => d.row), test = sim.filter((_, i) => i % 5 === 0).map((d) => d.row);
console.log(`UpliftModel predict, ${new Date().toISOString()}, ${availableParallelism()} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const t0 = performance.now();
const model = await tl.presets.UpliftModel.fit(train, { treatment: 'offer', outcome: 'bought', seed: 1, onWarning: () => undefined });
const fitS = (performance.now() - t0) / 1000;

/** predict() as it was: the components' networks eagerly, then the same mean and calibration. */
function eager(rows) {
  const e = model.preprocessor.transform({ rows, columns: [] });
  const [num, catg] = featureTensors(e, model.preprocessor);
  try {
    const each = model.components.map((c) => upliftOf(c.learner, c.members, num, catg, model.outcome.type));
    return Array.from(each[0], (_, i) => applyCalibration(model.calibration, (each.reduce((a, u) => a + u[i], 0) / each.length) * model.scale));
  } finally {
    num.dispose();
    catg.dispose();
  }
}

const many = test.concat(test).slice(0, 1000), one = [test[0]];
const same = JSON.stringify(model.predict(many)) === JSON.stringify(eager(many));
function interleaved(fns, rounds = 15, calls = 20) {
  const best = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++)
    fns.forEach((f, i) => {
      const s = performance.now();
      for (let c = 0; c < calls; c++) f();
      best[i] = Math.min(best[i], (performance.now() - s) / calls);
    });
  return best;
}
const [p1, e1] = interleaved([() => model.predict(one), () => eager(one)], 15, 50);
const [pm, em] = interleaved([() => model.predict(many), () => eager(many)]);
const nets = model.components.reduce((n, c) => n + c.members.flat().length, 0);
printTable(`UpliftModel (${model.chosen}, ${nets} networks; fit ${fitS.toFixed(1)} s), ms, best of 15 interleaved; identical outputs: ${same}`,
  ['rows', 'eager (one network at a time)', 'inference plans', 'speed-up'],
  [['1', e1.toFixed(3), p1.toFixed(3), `**${(e1 / p1).toFixed(1)}x**`], ['1000', em.toFixed(3), pm.toFixed(3), `**${(em / pm).toFixed(2)}x**`]]);
