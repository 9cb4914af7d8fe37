// node bench/presets-distill.mjs [mlc_churn] [wa_churn] [ticdata] [--hidden=64,32]: ChurnModel's
// 5-network ensemble against its distill() student on the BASELINES.md splits of ../shared/data:
// test ROC AUC of both, and predict() of 1000 test rows end to end (row objects of strings in,
// preprocessing included), interleaved best-of-N so machine load hits both alike; beside it
// the preprocessor's transform and the networks (inference plan) alone. `--prune=0`: a student
// that reads every column, as before distill-columns.ts.
import { availableParallelism, loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { asJsonNumbers, loadTensorlift, printTable, root } from './common.mjs';

const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'mlc_churn.csv'))) {
  console.log(`bench: skipped, the shared data sets are not at ${dataDir} (set TENSORLIFT_DATA)`);
  process.exit(0);
}
const tl = await loadTensorlift();
const sets = {
  mlc_churn: { file: 'mlc_churn.csv', target: 'churn', split: (i) => i >= 3333 },
  wa_churn: { file: 'wa_churn.csv', target: 'churn', split: (i) => i % 5 === 0 },
  ticdata: { file: 'ticdata.csv', target: 'CARAVAN', positive: 'insurance', split: (i) => i >= 5822 },
};
const args = process.argv.slice(2);
const hiddenArg = args.find((a) => a.startsWith('--hidden='));
const hidden = hiddenArg ? hiddenArg.slice(9).split(',').map(Number) : undefined;
const pruneArg = args.find((a) => a.startsWith('--prune='));
const wanted = args.filter((a) => !a.startsWith('-'));

/** Best per-call ms of each function, calls interleaved: round r runs a, b, a, b ... `calls` times each. */
function interleaved(fns, { rounds = 30, calls = 10 } = {}) {
  const best = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++)
    for (let f = 0; f < fns.length; f++) {
      const t0 = performance.now();
      for (let c = 0; c < calls; c++) fns[f]();
      best[f] = Math.min(best[f], (performance.now() - t0) / calls);
    }
  return best;
}

console.log(`ChurnModel ensemble vs distill(), ${new Date().toISOString()}, ${availableParallelism()} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const out = [];
for (const name of wanted.length ? wanted : Object.keys(sets)) {
  const s = sets[name];
  const { rows: all } = await tl.data.readCsv(join(dataDir, s.file));
  const train = all.filter((_, i) => !s.split(i)), test = all.filter((_, i) => s.split(i));
  let t0 = performance.now();
  const teacher = await tl.presets.ChurnModel.fit(train, { target: s.target, positive: s.positive, progress: false });
  const fitS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const student = await teacher.distill({ data: train, ...(hidden ? { hidden } : {}), ...(pruneArg ? { prune: Number(pruneArg.slice(8)) } : {}) });
  const distillS = (performance.now() - t0) / 1000;
  const [ta, sa] = [(await teacher.evaluate(test)).auc, (await student.evaluate(test)).auc];
  const rows = test.slice(0, 1000), table = { rows, columns: Object.keys(rows[0]) };
  const numbers = asJsonNumbers(rows);
  // The student reads only the columns the ensemble uses (distill-columns.ts): its own features.
  const e = teacher.preprocessor.transform(table), es = student.preprocessor.transform(table);
  const tp = teacher.ensemblePlan(), sp = student.ensemblePlan();
  const [pt, ps, tr, nt, ns] = interleaved([
    () => teacher.predict(rows), () => student.predict(rows), () => teacher.preprocessor.transform(table),
    () => tp.run(e.numeric, e.categorical), () => sp.run(es.numeric, es.categorical),
  ]);
  // One thread too: on a loaded machine, waking the pool's sleeping workers after the
  // preprocessing (JS) costs both models alike and hides the difference in work.
  const threads = tl.getNumThreads();
  tl.setNumThreads(1);
  const [pt1, ps1, pn, sn] = interleaved([() => teacher.predict(rows), () => student.predict(rows), () => teacher.predict(numbers), () => student.predict(numbers)]);
  tl.setNumThreads(threads);
  out.push([name, student.nets[0].opts.hidden.join('x') + (student.trees ? ` + trees (w ${student.trees.weight.toFixed(1)})` : ''), `${student.inputSchema.length} / ${teacher.inputSchema.length}`, ta.toFixed(4), sa.toFixed(4), (sa - ta).toFixed(4), pt.toFixed(3), ps.toFixed(3),
    `**${(pt / ps).toFixed(2)}x**`, `${pt1.toFixed(3)} / ${ps1.toFixed(3)} = **${(pt1 / ps1).toFixed(2)}x**`,
    `${pn.toFixed(3)} / ${sn.toFixed(3)} = ${(pn / sn).toFixed(2)}x`, tr.toFixed(3), nt.toFixed(3), ns.toFixed(3), fitS.toFixed(1), distillS.toFixed(1)]);
  console.log(out.at(-1).join(' | '));
}
printTable(`predict of 1000 test rows, ms, best of 30 x 10 interleaved (load after: ${loadavg()[0].toFixed(1)})`,
  ['data set', 'student', 'columns read', 'ensemble AUC', 'student AUC', 'difference', 'ensemble predict', 'student predict', 'speed-up', '1 thread: ensemble / student', '1 thread, numbers as numbers', 'transform', 'ensemble nets', 'student nets', 'fit s', 'distill s'], out);
