// node bench/report.mjs: how long an HTML report takes on a 5,000-row holdout, beside the
// model's own evaluate() on the same rows (the numbers without the charts), interleaved and
// repeated, so the ratio says what the charts cost on this machine whatever its load. The
// churn and segment models use the bundled mlc_churn.csv; the value model the shared wa_churn
// and the uplift model resume_names (4,870 rows) when ../shared/data is there. Timing only: the holdout overlaps the training rows here.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadTensorlift, printTable, root } from './common.mjs';

const tl = await loadTensorlift();
const dataDir = process.env.TENSORLIFT_DATA ?? join(root, '..', 'shared', 'data');
const REPEATS = Number(process.argv[2] ?? 5);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`HTML report time, ${new Date().toISOString()}, ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, median of ${REPEATS}`);

async function time(name, model, holdout) {
  const evalMs = [], reportMs = [];
  let bytes = 0, charts = 0;
  for (let r = 0; r < REPEATS; r++) {
    let t0 = performance.now();
    await model.evaluate(holdout);
    evalMs.push(performance.now() - t0);
    t0 = performance.now();
    const html = await tl.report.html(model, holdout);
    reportMs.push(performance.now() - t0);
    bytes = html.length;
    charts = (html.match(/<figure class="chart"/g) ?? []).length;
  }
  const e = median(evalMs), h = median(reportMs);
  return [name, holdout.length, charts, (e / 1000).toFixed(2), (h / 1000).toFixed(2), (h / e).toFixed(1), (bytes / 1024).toFixed(0)];
}

const rows = [];
const churn = (await tl.data.readCsv(join(root, 'data', 'mlc_churn.csv'))).rows;
{
  const m = await tl.presets.ChurnModel.fit(churn.slice(0, 3333), { target: 'churn', seed: 1 });
  rows.push(await time('ChurnModel (5 networks)', m, churn));
}
{
  const noTarget = churn.map(({ churn: _c, ...r }) => r);
  const m = await tl.presets.Segmenter.fit(noTarget.slice(0, 3333), { k: 5, seed: 1 });
  rows.push(await time('Segmenter (k = 5)', m, noTarget));
}
if (existsSync(join(dataDir, 'wa_churn.csv'))) {
  const wa = (await tl.data.readCsv(join(dataDir, 'wa_churn.csv'))).rows.filter((r) => r.total_charges !== '').map(({ churn: _c, tenure: _t, ...r }) => r);
  const m = await tl.presets.LifetimeValueModel.fit(wa.slice(0, 3000), { target: 'total_charges', seed: 1 });
  rows.push(await time('LifetimeValueModel (ziln)', m, wa.slice(wa.length - 5000)));
} else console.log(`(LifetimeValueModel skipped: no ${join(dataDir, 'wa_churn.csv')})`);
if (existsSync(join(dataDir, 'resume_names.csv'))) {
  // The randomized resume experiment of BASELINES.md: treatment ethnicity == 'cauc', outcome call.
  const resumes = (await tl.data.readCsv(join(dataDir, 'resume_names.csv'))).rows.map(({ name: _n, ethnicity, ...r }) => ({ ...r, cauc: ethnicity === 'cauc' ? 'yes' : 'no' }));
  const m = await tl.presets.UpliftModel.fit(resumes, { treatment: 'cauc', outcome: 'call', folds: 2, seed: 1, onWarning: () => {} });
  rows.push(await time('UpliftModel (2 folds; evaluate: 200 bootstraps)', m, resumes));
} else console.log(`(UpliftModel skipped: no ${join(dataDir, 'resume_names.csv')})`);

printTable('HTML report on a 5,000-row holdout beside evaluate() on the same rows', ['model', 'rows', 'charts', 'evaluate s', 'report s', 'report / evaluate', 'HTML KB'], rows);
