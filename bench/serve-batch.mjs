// Batch scoring throughput: `tensorlift predict` (read CSV -> score -> write CSV, streamed)
// beside pandas + scikit-learn doing the same read_csv -> predict_proba -> to_csv on the same
// 500,000-row file (data/mlc_churn.csv repeated 100 times), rounds alternating between them.
// The Python side is bench/sklearn_batch.py (its model fitting is not timed).
//   node bench/serve-batch.mjs [rows=500000] [rounds=2]
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { benchDir, printTable, root } from './common.mjs';
import { benchModel, churnCsv } from './serve-common.mjs';

const ROWS = Number(process.argv[2] ?? 500_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const input = join(tmpdir(), `tensorlift-bench-${ROWS}.csv`);
const outTl = join(tmpdir(), 'tensorlift-bench-scored.csv'), outPy = join(tmpdir(), 'tensorlift-bench-scored-py.csv');

if (!existsSync(input)) {
  const [header, ...lines] = readFileSync(churnCsv, 'utf8').trim().split('\n');
  const out = createWriteStream(input);
  out.write(`${header}\n`);
  for (let i = 0; i < ROWS; i++) if (!out.write(`${lines[i % lines.length]}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}
const model = await benchModel();
const timeFile = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function tensorlift() {
  const args = [join(root, 'dist', 'cli', 'main.js'), 'predict', '--model', model, '--in', input, '--out', outTl];
  const t0 = performance.now();
  const r = timeFile ? spawnSync(timeFile, ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' }) : spawnSync(process.execPath, args, { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`tensorlift predict failed: ${r.stderr}`);
  const rssMb = timeFile ? Number(r.stderr.trim().split('\n').at(-1)) / 1024 : NaN;
  return { seconds, rssMb };
}

function python(kind) {
  const r = spawnSync('/usr/bin/python3', [join(benchDir, 'sklearn_batch.py'), churnCsv, input, outPy, kind], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sklearn_batch.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const runs = { tl: [], logreg: [], hgb: [] };
for (let k = 0; k < ROUNDS; k++) {
  runs.tl.push(tensorlift());
  runs.logreg.push(python('logreg'));
  runs.hgb.push(python('hgb'));
}
const best = (xs) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const tl = best(runs.tl), lr = best(runs.logreg), hgb = best(runs.hgb);
// Speed relative to each peer (higher: faster than that peer).
const fmtRow = (name, s, extra) => [name, s.toFixed(2), Math.round(ROWS / s).toLocaleString('en'), (lr.seconds / s).toFixed(2), (hgb.seconds / s).toFixed(2), extra];
printTable(`Batch scoring, ${ROWS.toLocaleString('en')} rows CSV -> CSV (best of ${ROUNDS})`, ['scorer', 'seconds', 'rows/s', 'speed / pandas+LogReg', 'speed / pandas+HGB', 'notes'], [
  fmtRow('tensorlift predict (5-net ensemble)', tl.seconds, Number.isFinite(tl.rssMb) ? `max RSS ${tl.rssMb.toFixed(0)} MB` : ''),
  fmtRow('pandas + sklearn LogisticRegression', lr.seconds, `read ${lr.read.toFixed(2)} s, score ${lr.score.toFixed(2)} s, write ${lr.write.toFixed(2)} s`),
  fmtRow('pandas + sklearn HistGradientBoosting', hgb.seconds, `read ${hgb.read.toFixed(2)} s, score ${hgb.score.toFixed(2)} s, write ${hgb.write.toFixed(2)} s`),
]);
console.log(`peers: pandas ${lr.versions.pandas}, scikit-learn ${lr.versions.sklearn}; tensorlift per round: ${runs.tl.map((r) => r.seconds.toFixed(2)).join(', ')} s`);
rmSync(outTl, { force: true });
rmSync(outPy, { force: true });
