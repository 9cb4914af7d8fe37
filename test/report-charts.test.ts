// The numbers behind the report charts (lib/report), each against a plain reference on fresh
// random inputs: gains by brute force, the ROC curve's area against rocAuc, equal-count
// calibration bins, value deciles, popularity deciles, confusion counts, segment profiles and
// the saved training history; then the page's safety (labels escaped) and its one-line errors.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { calibrationBins, gainsPoints, rocPoints, scoreHistogram } from '../lib/report/binary.js';
import { confusionCounts } from '../lib/report/multiclass.js';
import { popularityDeciles } from '../lib/report/recommender.js';
import { categoricalLifts, numericProfiles } from '../lib/report/segments.js';
import { valueDeciles } from '../lib/report/value.js';
import { networkHistory } from '../lib/presets/training-history.js';
import { seededRandom } from '../lib/train/data.js';
import { runNodeFile } from './helpers/child.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-report-charts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function randomScores(n: number, seed: number, ties = false) {
  const r = seededRandom(seed);
  const p = Array.from({ length: n }, () => (ties ? Math.floor(r() * 8) / 8 : r()));
  const y = p.map((v) => (r() < 0.15 + 0.6 * v ? 1 : 0));
  return { p, y };
}

describe('report chart data against references', () => {
  it('cumulative gains: positives among the top round(f n) scores, by brute force', () => {
    for (const seed of [1, 2, 3]) {
      const { p, y } = randomScores(157, seed);
      const total = y.reduce((a, b) => a + b, 0);
      const pts = gainsPoints(p, y);
      expect(pts).toHaveLength(101);
      for (const { fraction, gain } of pts) {
        const m = Math.round(fraction * p.length);
        // The m highest scores, found by rank: a row is in when fewer than m rows beat it.
        const inTop = p.map((v, i) => p.filter((w, j) => w > v || (w === v && j < i)).length < m);
        expect(gain).toBeCloseTo(y.filter((v, i) => inTop[i] && v === 1).length / total, 12);
      }
      expect(pts[0].gain).toBe(0);
      expect(pts[100].gain).toBe(1);
    }
  });

  it('ROC curve: its trapezoid area is rocAuc (ties included), from (0,0) to (1,1)', () => {
    for (const ties of [false, true]) {
      const { p, y } = randomScores(300, ties ? 5 : 6, ties);
      const pts = rocPoints(p, y, 10_000);
      let area = 0;
      for (let i = 1; i < pts.length; i++) area += ((pts[i].fpr - pts[i - 1].fpr) * (pts[i].tpr + pts[i - 1].tpr)) / 2;
      expect(area).toBeCloseTo(tl.metrics.rocAuc(p, y), 10);
      expect(pts[0]).toEqual({ fpr: 0, tpr: 0 });
      expect(pts[pts.length - 1]).toEqual({ fpr: 1, tpr: 1 });
      expect(rocPoints(p, y, 50).length).toBeLessThanOrEqual(50);
    }
  });

  it('calibration bins: ten equal-count groups, ordered by score, whose means average to the overall ones', () => {
    const { p, y } = randomScores(1003, 7);
    const bins = calibrationBins(p, y);
    expect(bins).toHaveLength(10);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(1003);
    expect(Math.max(...bins.map((b) => b.count)) - Math.min(...bins.map((b) => b.count))).toBeLessThanOrEqual(1);
    for (let i = 1; i < bins.length; i++) expect(bins[i].predicted).toBeGreaterThanOrEqual(bins[i - 1].predicted);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(bins.reduce((a, b) => a + b.predicted * b.count, 0) / 1003).toBeCloseTo(mean(p), 10);
    expect(bins.reduce((a, b) => a + b.observed * b.count, 0) / 1003).toBeCloseTo(mean(y), 10);
  });

  it('score histogram: each class sums to 1 over its bins', () => {
    const { p, y } = randomScores(400, 8);
    const h = scoreHistogram(p, y, ['no', 'yes']);
    for (const cls of ['no', 'yes']) expect(h.filter((d) => d.cls === cls).reduce((a, d) => a + d.share, 0)).toBeCloseTo(1, 3);
  });

  it('value deciles: by predicted value, highest first, means weighted back to the overall means', () => {
    const r = seededRandom(9);
    const pred = Array.from({ length: 537 }, () => Math.exp(3 * r()));
    const actual = pred.map((v) => v * (0.5 + r()));
    const d = valueDeciles(pred, actual);
    expect(d.map((x) => x.decile)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 1; i < d.length; i++) expect(d[i].predicted).toBeLessThanOrEqual(d[i - 1].predicted);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(d.reduce((a, x) => a + x.actual * x.rows, 0) / 537).toBeCloseTo(mean(actual), 8);
    const top = [...pred.keys()].sort((a, b) => pred[b] - pred[a]).slice(0, d[0].rows);
    expect(d[0].actual).toBeCloseTo(mean(top.map((i) => actual[i])), 10);
  });

  it('popularity deciles: lists of every item are 10% per decile; lists of best-sellers all land in the first', () => {
    const r = seededRandom(10);
    const counts = Array.from({ length: 50 }, () => Math.floor(r() * 1000));
    const all = Array.from({ length: 50 }, (_, i) => i);
    popularityDeciles([all, all], counts).forEach((s) => expect(s).toBeCloseTo(0.1, 12));
    const best = all.sort((a, b) => counts[b] - counts[a]).slice(0, 5);
    expect(popularityDeciles([best], counts)[0]).toBe(1);
  });

  it('confusion counts: rows sum to each class, the diagonal to the correct predictions', () => {
    const r = seededRandom(11);
    const y = Array.from({ length: 300 }, () => Math.floor(r() * 4)), pred = y.map((v) => (r() < 0.7 ? v : Math.floor(r() * 4)));
    const m = confusionCounts(pred, y, 4);
    m.forEach((row, c) => expect(row.reduce((a, b) => a + b, 0)).toBe(y.filter((v) => v === c).length));
    expect(m.reduce((a, row, c) => a + row[c], 0)).toBe(y.filter((v, i) => v === pred[i]).length);
  });

  it('segment profiles: per-segment means and label lifts as defined', () => {
    const r = seededRandom(12);
    const rows = Array.from({ length: 240 }, (_, i) => ({ spend: Math.round(100 * r()), vip: r() < 0.3 ? 'yes' : 'no', region: ['n', 's', 'e'][i % 3] }));
    const labels = rows.map((row) => (row.region === 'n' ? 0 : row.spend > 50 ? 1 : 2));
    const table = { rows, columns: ['spend', 'vip', 'region'] };
    const [spend] = numericProfiles(table, labels, 3, [{ name: 'spend', type: 'numeric' }]);
    for (let s = 0; s < 3; s++) {
      const v = rows.filter((_, i) => labels[i] === s).map((row) => row.spend);
      expect(spend.means[s]).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 10);
    }
    const lifts = categoricalLifts(table, labels, 3, [{ name: 'region', type: 'categorical' }]);
    // Segment 0 is all of region n: lift = 1 / (1/3) = 3.
    expect(lifts.find((d) => d.segment === 0)).toMatchObject({ label: 'n', share: 1 });
    expect(lifts.find((d) => d.segment === 0)!.lift).toBeCloseTo(3, 10);
    expect(lifts.every((d) => d.lift > 1)).toBe(true);
  });

  it('training history: every per-epoch measure but the epoch index and timing, non-finite values as gaps', () => {
    const h = networkHistory({ stoppedEarly: false, epochs: [{ epoch: 0, loss: 1.234567, seconds: 0.1, valAuc: NaN }, { epoch: 1, loss: 0.5, seconds: 0.1, valAuc: 0.7 }] });
    expect(h).toEqual({ epochs: 2, series: { loss: [1.2346, 0.5], valAuc: [null, 0.7] } });
  });
});

describe('report pages', () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ x: (i * 37) % 100, plan: i % 3 === 0 ? '<script>alert(1)</script>' : i % 3 === 1 ? 'a&b' : 'c', y: ((i * 37) % 100) + (i % 7) * 10 > 70 ? 'yes' : 'no' }));

  it('labels from the data are escaped in tables and charts (a label cannot inject markup)', async () => {
    const seg = await tl.presets.Segmenter.fit(rows.map(({ y: _y, ...r }) => r), { k: 3, seed: 1 });
    const html = await tl.report.html(seg, rows.map(({ y: _y, ...r }) => r));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;');
  }, 60_000);

  it('a churn model trained with tl.fit history: trainingCurvesSvg takes the model or a fit() history', async () => {
    const m = await tl.presets.ChurnModel.fit(rows, { target: 'y', ensemble: 2, epochs: 4, seed: 1 });
    const svg = await tl.report.trainingCurvesSvg(m);
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toMatch(/<svg[^>]*width="\d+"/);
    expect(svg).toContain('validation ROC AUC');
    const net = new tl.nn.Linear(2, 1);
    const history = await tl.fit(net, { x: tl.randn([32, 2]), y: tl.randn([32, 1]) }, { loss: 'mse', epochs: 3, batchSize: 8 });
    expect(await tl.report.trainingCurvesSvg(history)).toContain('training loss');
    await expect(tl.report.trainingCurvesSvg({})).rejects.toThrow(/trainingCurvesSvg: expected a trained ChurnModel/);
    await expect(tl.report.trainingCurvesSvg({ epochs: [], stoppedEarly: false })).rejects.toThrow(/the history has no epochs/);
  }, 60_000);

  it('a model file from before training histories were saved still gets its report, without the training section', async () => {
    const old = await tl.load<tl.presets.ChurnModel>(new URL('./fixtures/churn-v1/model.safetensors', import.meta.url).pathname);
    expect(old.validation.history).toBeUndefined();
    const { rows: churn } = await tl.data.readCsv(new URL('../data/mlc_churn.csv', import.meta.url).pathname);
    const html = await tl.report.html(old, churn.slice(0, 400));
    expect((html.match(/<figure class="chart"/g) ?? []).length).toBe(5);
    expect(html).not.toContain('Training curves');
    await expect(tl.report.trainingCurvesSvg(old)).rejects.toThrow(/^trainingCurvesSvg: this 'churn' model records no training history/);
  }, 60_000);

  it('bad input: one-line errors naming what was wrong', async () => {
    const m = await tl.presets.ChurnModel.fit(rows, { target: 'y', ensemble: 1, epochs: 2, seed: 1 });
    await expect(tl.report.html(m, rows.map(({ y: _y, ...r }) => r))).rejects.toThrow(/^report: the data has no 'y' column/);
    await expect(tl.report.html(m, rows.map((r) => ({ ...r, y: 'no' })))).rejects.toThrow(/every row has 'y' = 'no'/);
    await expect(tl.report.html(m, [])).rejects.toThrow(/no rows|no 'y' column/);
    await expect(tl.report.html({} as tl.presets.Preset, rows)).rejects.toThrow(/report.html: expected a preset/);
    const other = Object.assign(Object.create(Object.getPrototypeOf(m)), m, { kind: 'mystery' });
    await expect(tl.report.html(other, rows)).rejects.toThrow(/no HTML report for a 'mystery' model yet \(reports exist for: churn, propensity, ltv, segments, recommender/);
    await expect(tl.report.write(m, rows, join(dir, 'missing-dir', 'r.html'))).rejects.toThrow(/ENOENT|missing-dir/);
    const seg = await tl.presets.Segmenter.fit(rows, { k: 2, seed: 1 });
    await expect(tl.report.html(seg, rows, { plan: { costPerContact: 1, valuePerConversion: 5 } })).rejects.toThrow(/^report: a 'segments' model has no campaign plan/);
  }, 60_000);
});

describe('tl.report from CommonJS', () => {
  it("require('tensorlift').report renders (vega is loaded on first use, so its top-level await does not block require)", async () => {
    const file = join(dir, 'curves.cjs');
    writeFileSync(file, `
      const tl = require(${JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)});
      (async () => {
        const h = await tl.fit(new tl.nn.Linear(2, 1), { x: tl.randn([16, 2]), y: tl.randn([16, 1]) }, { loss: 'mse', epochs: 2, batchSize: 8 });
        console.log((await tl.report.trainingCurvesSvg(h)).includes('training loss'));
      })();
    `);
    const r = await runNodeFile(file, [], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true');
  }, 60_000);
});

describe('tensorlift report (CLI)', () => {
  const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
  const run = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const fails = (args: string[], re: RegExp) => {
    try {
      run(...args);
    } catch (e) {
      const stderr = String((e as { stderr: string }).stderr);
      expect(stderr).toMatch(re);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      return;
    }
    throw new Error(`expected tensorlift ${args.join(' ')} to fail`);
  };

  it('train --curves writes the training curves; report writes one HTML file; bad paths fail first', () => {
    const data = new URL('../data/mlc_churn.csv', import.meta.url).pathname;
    const csv = readFileSync(data, 'utf8').split('\n');
    const trainCsv = join(dir, 'train.csv'), testCsv = join(dir, 'test.csv');
    writeFileSync(trainCsv, csv.slice(0, 1201).join('\n'));
    writeFileSync(testCsv, [csv[0], ...csv.slice(4001)].join('\n'));
    const model = join(dir, 'm.safetensors'), curves = join(dir, 'curves.svg'), out = join(dir, 'report.html');
    run('train', 'churn', '--data', trainCsv, '--target', 'churn', '--ensemble', '2', '--epochs', '8', '--out', model, '--curves', curves);
    expect(readFileSync(curves, 'utf8')).toMatch(/<svg[\s\S]*training loss[\s\S]*<\/svg>/);
    execFileSync(process.execPath, [cli, 'report', '--model', model, '--data', testCsv, '--out', out], { stdio: 'ignore' });
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('m.safetensors');
    expect((html.match(/<figure class="chart"/g) ?? []).length).toBe(7);
    fails(['report', '--model', model, '--data', testCsv, '--out', join(dir, 'nope', 'r.html')], /^tensorlift: --out: .*does not exist/);
    fails(['report', '--model', join(dir, 'none.safetensors'), '--data', testCsv, '--out', out], /^tensorlift: --model: .*none\.safetensors/);
    fails(['report', '--model', model, '--data', testCsv, '--out', testCsv], /same file as --data/);
    fails(['report', '--model', model, '--data', trainCsv.replace('train', 'gone'), '--out', out], /gone\.csv/);
    fails(['report', '--model', model, '--data', testCsv, '--out', out, '--value-per-saved', '5'], /give --cost-per-contact too/);
    fails(['report', '--model', model, '--data', testCsv, '--out', out, '--cost-per-contact', 'abc'], /--cost-per-contact must be a number, got 'abc'/);
    fails(['report', '--model', model, '--data', testCsv, '--out', out, '--cost-per-contact', '1', '--offer-success-rate', '0.3'], /plan: --value-per-saved must be a positive finite number/);
    const planned = join(dir, 'planned.html');
    execFileSync(process.execPath, [cli, 'report', '--model', model, '--data', testCsv, '--out', planned, '--cost-per-contact', '2', '--value-per-saved', '80', '--offer-success-rate', '0.25'], { stdio: 'ignore' });
    expect(readFileSync(planned, 'utf8')).toMatch(/Campaign plan[\s\S]*Assumed: costPerContact 2, valuePerSaved 80, offerSuccessRate 0.25\.[\s\S]*assumes the offer keeps 25\.0%/);
    fails(['train', 'sentiment', '--data', trainCsv, '--text', 'state', '--target', 'churn', '--curves', join(dir, 'c.svg')], /--curves: a 'sentiment' model records no per-epoch training history/);
    run('train', 'segments', '--data', trainCsv, '--exclude', 'churn', '--k', '3', '--epochs', '5', '--out', join(dir, 's.safetensors'), '--curves', join(dir, 'seg.svg'));
    expect(readFileSync(join(dir, 'seg.svg'), 'utf8')).toMatch(/<svg[\s\S]*autoencoder[\s\S]*<\/svg>/);
    fails(['train', 'churn', '--data', trainCsv, '--target', 'churn', '--curves', join(dir, 'c.png')], /ending in \.svg/);
    expect(existsSync(join(dir, 'c.svg'))).toBe(false);
  }, 120_000);
});
