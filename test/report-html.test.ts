// HTML reports (lib/report), checked where a user looks at them: in a real headless Chromium.
// For each preset kind, a small model trained on bundled or generated data gets a report; the
// page must load without errors and without asking for anything (no network, no files), every
// chart must be a visible SVG of real size with more than one colour in it, and the full-page
// screenshot must not be blank. The charts' numbers are checked against plain references in
// test/report-charts.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { launchChromium, pngStats, renderPage } from './helpers/chromium.js';
import { syntheticInteractions } from './helpers/interactions.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-report-'));
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  // TL_KEEP_REPORTS=1 keeps the pages and screenshots to look at (the path is printed).
  if (process.env.TL_KEEP_REPORTS) console.log(`reports kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

const churnRows = async () => (await tl.data.readTable(new URL('../data/mlc_churn.csv', import.meta.url).pathname)).rows;

/** The report's page in Chromium, with the checks every report must pass. */
async function checkRendered(html: string, name: string, expectedCharts: string[]) {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const page = await renderPage(browser, file);
  expect(page.errors).toEqual([]);
  expect(page.requests).toEqual([]);
  expect(page.charts.map((c) => c.title)).toEqual(expectedCharts.map((t) => expect.stringMatching(t)));
  for (const c of page.charts) {
    expect(c.visible, c.title).toBe(true);
    expect(c.width, c.title).toBeGreaterThan(150);
    expect(c.height, c.title).toBeGreaterThan(100);
    expect(c.colours, c.title).toBeGreaterThan(3);
  }
  const shot = pngStats(page.screenshot);
  expect(shot.width).toBe(1400);
  expect(shot.height).toBeGreaterThan(600);
  expect(shot.colours).toBeGreaterThan(50);
  expect(shot.inkShare).toBeGreaterThan(0.1);
  writeFileSync(join(dir, `${name}.png`), page.screenshot);
  return page;
}

/** What a self-contained page must not hold: scripts, or anything fetched from elsewhere. */
function expectSelfContained(html: string) {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["'](?!#)/i);
  expect(html).not.toMatch(/url\(\s*['"]?(?:https?:|\/\/)/i);
  expect(html).not.toMatch(/@import|@font-face/i);
  // The only URLs are SVG's XML namespace names, which are never fetched.
  const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
  expect(urls.filter((u) => !/^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/.test(u))).toEqual([]);
}

describe('HTML reports in headless Chromium', () => {
  it('churn: gains, lift, calibration, ROC, score distribution and training curves render; fit -> save -> load gives the same report', async () => {
    const rows = await churnRows();
    const train = rows.filter((_, i) => i % 5 !== 0).slice(0, 2000), test = rows.filter((_, i) => i % 5 === 0);
    const model = await tl.presets.ChurnModel.fit(train, { target: 'churn', ensemble: 2, epochs: 25, seed: 3 });
    const html = await tl.report.html(model, test);
    expectSelfContained(html);
    expect(html).toMatch(/ROC AUC 0\.[89]/);
    await checkRendered(html, 'churn', ['Cumulative gains', 'Lift by decile', 'Calibration', 'ROC curve', 'Score distribution', 'loss per epoch', 'validation ROC AUC']);
    // The history is saved with the model: the loaded model draws the same curves and charts.
    const file = join(dir, 'churn.safetensors');
    await model.save(file);
    const loaded = await tl.load<tl.presets.ChurnModel>(file);
    expect(loaded.validation.history).toEqual(model.validation.history);
    expect(model.validation.history).toHaveLength(2);
    expect(model.validation.history![0].series.loss).toHaveLength(model.validation.epochs[0]);
    const strip = (s: string) => s.replace(/made [^<]*UTC/, '').replace(/built in [\d.]+ s/, '');
    expect(strip(await tl.report.html(loaded, test))).toBe(strip(html));
    expect(await tl.report.trainingCurvesSvg(loaded)).toBe(await tl.report.trainingCurvesSvg(model));
  }, 120_000);

  it('multi-class propensity: per-class measures and the confusion matrix', async () => {
    const rows = (await churnRows()).slice(0, 1500).map((r) => ({ ...r, plan: Number(r.number_customer_service_calls) >= 3 ? 'call' : r.international_plan === 'yes' ? 'intl' : Number(r.total_day_minutes) > 200 ? 'day' : 'basic' }));
    const data = rows.map(({ churn: _c, number_customer_service_calls: _n, ...r }) => r);
    const model = await tl.presets.PropensityModel.fit(data.slice(0, 1200), { target: 'plan', ensemble: 1, epochs: 20, seed: 1 });
    const html = await tl.report.html(model, data.slice(1200));
    expectSelfContained(html);
    await checkRendered(html, 'propensity', ['precision, recall and F1', 'Confusion matrix', 'loss per epoch', 'validation log loss']);
  }, 120_000);

  it('lifetime value: predicted vs actual, residuals, decile calibration', async () => {
    const rows = (await tl.data.readTable(new URL('./fixtures/wa_churn_value.csv', import.meta.url).pathname)).rows.filter((r) => r.total_charges !== '' && r.total_charges !== null);
    const model = await tl.presets.LifetimeValueModel.fit(rows.filter((_, i) => i % 5 !== 0), { target: 'total_charges', ensemble: 1, epochs: 20, seed: 1 });
    const html = await tl.report.html(model, rows.filter((_, i) => i % 5 === 0));
    expectSelfContained(html);
    // The default head 'auto' blends three heads: one loss chart each (their losses have different scales).
    await checkRendered(html, 'ltv', ['Predicted vs actual', 'Residuals', 'Decile calibration', 'loss per epoch .ziln head', 'loss per epoch .poisson head', 'loss per epoch .mse head']);
  }, 120_000);

  it('segments: sizes, numeric profiles, over-represented labels', async () => {
    const rows = (await churnRows()).slice(0, 1200).map(({ churn: _c, state: _s, ...r }) => r);
    const model = await tl.presets.Segmenter.fit(rows.slice(0, 900), { k: 4, seed: 1 });
    const html = await tl.report.html(model, rows.slice(900));
    expectSelfContained(html);
    await checkRendered(html, 'segments', ['Segment sizes', 'Numeric profiles', 'over-represented labels', 'loss per epoch .autoencoder']);
  }, 120_000);

  it('uplift: Qini and uplift curves, uplift by decile, predicted uplift, intervals and balance', async () => {
    // Real covariates, simulated campaign: a coin-flip assignment, and an offer that moves
    // customers on the international plan or with many service calls (a known effect).
    const { seededRandom } = await import('../lib/train/data.js');
    const random = seededRandom(21);
    const rows = (await churnRows()).slice(0, 2000).map(({ churn: _c, ...r }) => {
      const treated = random() < 0.5;
      const moved = r.international_plan === 'yes' || Number(r.number_customer_service_calls) >= 3;
      return { ...r, offer: treated ? 'yes' : 'no', bought: random() < 0.1 + (treated && moved ? 0.4 : 0) ? 'yes' : 'no' };
    });
    const model = await tl.presets.UpliftModel.fit(rows.slice(0, 1500), { treatment: 'offer', outcome: 'bought', folds: 2, epochs: 15, seed: 1, onWarning: () => {} });
    const html = await tl.report.html(model, rows.slice(1500), { plan: { costPerContact: 1, valuePerConversion: 20 } });
    expectSelfContained(html);
    expect(html).toContain('Randomization balance');
    expect(html).toMatch(/Assumed: costPerContact 1, valuePerConversion 20\./);
    // One loss chart per kept learner (and T-learner arm): their losses have different scales.
    const groups = new Set(model.validation.history!.map((h) => h.group));
    expect(groups.size).toBeGreaterThan(0);
    await checkRendered(html, 'uplift', ['Qini curve', 'Uplift curve', 'Uplift by decile', 'Predicted uplift distribution', ...[...groups].map(() => 'loss per epoch'), 'Expected profit', 'Incremental results']);
  }, 180_000);

  it('recommender: hit rate and NDCG at K, popularity of what is recommended', async () => {
    const all = syntheticInteractions({ users: 200, items: 120, seed: 4 });
    // Each user's last interaction is held out.
    const last = new Map<string, number>();
    all.forEach((r, i) => last.set(r.user, i));
    const held = new Set(last.values());
    const model = await tl.presets.Recommender.fit(all.filter((_, i) => !held.has(i)), { user: 'user', item: 'item', model: 'ease' });
    const html = await tl.report.html(model as unknown as tl.presets.Preset, all.filter((_, i) => held.has(i)));
    expectSelfContained(html);
    await checkRendered(html, 'recommender', ['Hit rate and NDCG', 'Popularity of recommended items']);
  }, 120_000);

  it('sentiment, intent and image models: targeting and probability charts for two labels, per-class charts for more', async () => {
    const fine = (await tl.data.readTable(new URL('./fixtures/fine_foods_small.csv', import.meta.url).pathname)).rows;
    const sentiment = await tl.presets.SentimentModel.fit(fine.slice(0, 800), { text: 'review', target: 'score', ensemble: 1, epochs: 3 });
    const html = await tl.report.html(sentiment, fine.slice(800));
    expectSelfContained(html);
    await checkRendered(html, 'sentiment', ['Cumulative gains', 'Lift by decile', 'Calibration', 'ROC', 'Score distribution']);

    // Messages whose label is no trained intent are out of scope: left out of the charts, counted in the numbers.
    const intents = (await tl.data.readTable(new URL('../data/lead_intents.csv', import.meta.url).pathname)).rows;
    const intent = await tl.presets.IntentClassifier.fit(intents, { text: 'text', target: 'intent', ensemble: 1, epochs: 5 });
    const held = [...intents.slice(0, 30), { text: 'what is the weather on mars', intent: 'smalltalk' }];
    const intentHtml = await tl.report.html(intent, held);
    expect(intentHtml).toMatch(/1 rows whose label is not a trained class/);
    expect(intentHtml).toMatch(/coverage/i);
    await checkRendered(intentHtml, 'intent', ['precision, recall and F1', 'Confusion matrix']);

    const [header, ...lines] = readFileSync(new URL('./fixtures/digits.csv', import.meta.url), 'utf8').trim().split('\n');
    const names = header.split(',');
    const digits = lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [names[j], Number(v)])));
    const image = await tl.presets.ImageClassifier.fit(digits.slice(0, 600), { target: 'label', epochs: 2 });
    await checkRendered(await tl.report.html(image, digits.slice(1500, 1797)), 'image', ['precision, recall and F1', 'Confusion matrix']);
  }, 240_000);
});
