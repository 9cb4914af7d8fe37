// PropensityModel: next best offer on a multi-class target (softmax head, class weighting,
// predictProba, top-k accuracy, macro F1, per-class lift), the same model as ChurnModel for a
// yes/no target, a saved file that predicts identically, and one-line errors for targets a
// classifier cannot learn. Quality is measured on the bundled 8x8 digits (test/fixtures,
// BASELINES.md split and figures), the one multi-class set small enough for every CI run.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { churnRows, offerRows, tempDir } from './helpers/boundary.js';

const t = tempDir('propensity');

function digits(): { train: tl.data.Row[]; test: tl.data.Row[] } {
  const [header, ...lines] = readFileSync(new URL('./fixtures/digits.csv', import.meta.url), 'utf8').trim().split('\n');
  const names = header.split(',');
  const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [names[j], v])));
  return { train: rows.filter((_, i) => i % 5 !== 0), test: rows.filter((_, i) => i % 5 === 0) };
}

describe('PropensityModel on the 8x8 digits (10 classes)', () => {
  const { train, test } = digits();
  let model: tl.presets.PropensityModel;
  beforeAll(async () => {
    model = await tl.presets.PropensityModel.fit(train, { target: 'label', seed: 42 });
  }, 120_000);

  it('reaches the scikit-learn baselines (logistic regression 0.9639, MLP 0.9778 test accuracy)', async () => {
    const r = (await model.evaluate(test)) as tl.presets.MulticlassReport;
    expect(r.rows).toBe(360);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.955);
    expect(r.macroF1).toBeGreaterThanOrEqual(0.95);
    expect(r.k).toBe(3);
    expect(r.topK).toBeGreaterThanOrEqual(0.99);
    expect(r.logLoss).toBeLessThan(0.2);
    expect(Object.keys(r.perClassLift)).toEqual(model.classes);
    // A decile of 360 rows holds 36: each digit (about 10% of the rows) should fill most of its own.
    for (const lift of Object.values(r.perClassLift)) expect(lift).toBeGreaterThan(7);
    expect(model.validation.accuracy).toBeGreaterThan(0.95);
  });

  it('gives classes in numeric order, probabilities that sum to 1, and the argmax as predict', () => {
    expect(model.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const some = test.slice(0, 40);
    const proba = model.predictProba(some), labels = model.predict(some);
    proba.forEach((row, i) => {
      expect(row).toHaveLength(10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(labels[i]).toBe(model.classes[row.indexOf(Math.max(...row))]);
    });
    expect(labels.filter((l, i) => l === some[i].label).length).toBeGreaterThanOrEqual(37);
  });

  it('scores as class + one probability column per class', () => {
    const cols = model.outputColumns().map((c) => c.name);
    expect(cols).toEqual(['class', ...model.classes.map((c) => `probability_${c}`)]);
    const scored = model.score(test.slice(0, 5));
    const proba = model.predictProba(test.slice(0, 5));
    scored.forEach((row, i) => expect(row).toEqual([model.predict([test[i]])[0], ...proba[i]]));
    expect(model.describe()).toMatch(/^PropensityModel \(kind 'propensity'\): the most likely 'label' of 10 classes/);
    expect(model.describe()).toMatch(/inputs: 64 columns: px0 \(numeric\), .*\(48 more\)\ntrained on 1437 rows \(136 '0', 154 '1'/);
    expect(model.describe()).toMatch(/out-of-fold accuracy 0\.9\d+, log loss 0\.\d+$/);
  });

  it('predicts identically after save and load (tl.load gives a PropensityModel)', async () => {
    const path = t.path('digits.safetensors');
    await model.save(path);
    const back = await tl.load(path);
    expect(back).toBeInstanceOf(tl.presets.PropensityModel);
    const loaded = back as tl.presets.PropensityModel;
    expect(loaded.predict(test)).toEqual(model.predict(test));
    expect(loaded.predictProba(test.slice(0, 30))).toEqual(model.predictProba(test.slice(0, 30)));
    expect(loaded.describe()).toBe(model.describe());
    expect(await tl.presets.PropensityModel.load(path)).toBeInstanceOf(tl.presets.PropensityModel);
    await expect(tl.presets.ChurnModel.load(path)).rejects.toThrow(/does not hold a churn model/);
  });
});

describe('PropensityModel on a next-best-offer target', () => {
  const rows = offerRows(900, 3), fresh = offerRows(400, 4);
  let model: tl.presets.PropensityModel;
  beforeAll(async () => {
    model = await tl.presets.PropensityModel.fit(rows, { target: 'offer', ensemble: 3, epochs: 40, seed: 5, onWarning: () => {} });
  }, 60_000);

  it('ranks each offer far above chance and keeps probabilities calibrated despite class weighting', async () => {
    const r = (await model.evaluate(fresh)) as tl.presets.MulticlassReport;
    expect(r.classes).toEqual(['discount', 'keep', 'upgrade']);
    expect(r.k).toBe(2);
    const prior = Math.max(...r.classes.map((c) => fresh.filter((x) => x.offer === c).length)) / fresh.length;
    expect(r.accuracy).toBeGreaterThan(prior + 0.1);
    for (const c of r.classes) expect(r.perClassLift[c]).toBeGreaterThan(1.5);
    // The weighting is undone by the head: mean P(class) stays near the class's share.
    const proba = model.predictProba(fresh);
    r.classes.forEach((c, j) => {
      const share = fresh.filter((x) => x.offer === c).length / fresh.length;
      const mean = proba.reduce((a, p) => a + p[j], 0) / proba.length;
      expect(Math.abs(mean - share)).toBeLessThan(0.07);
    });
    expect(r.perClass.map((c) => c.support)).toEqual(r.classes.map((c) => fresh.filter((x) => x.offer === c).length));
    expect(((await model.evaluate(fresh, { k: 1 })) as tl.presets.MulticlassReport).topK).toBe(r.accuracy);
  });

  it('names the drivers of the offers first (macro one-vs-rest AUC drop)', async () => {
    const top = (await model.importance(fresh, { repeats: 1 })).slice(0, 3).map((c) => c.column);
    expect(top).not.toContain('region');
    expect(top).toContain('tenure');
  });

  it('refuses an evaluation label it was not trained on, naming the row', async () => {
    const odd = [...fresh.slice(0, 5), { ...fresh[5], offer: 'voucher' }];
    await expect(model.evaluate(odd)).rejects.toThrow(/row 5: target 'offer' is 'voucher', not one of the trained classes \('discount', 'keep', 'upgrade'\)/);
  });
});

describe('PropensityModel on a yes/no target', () => {
  it('is the churn model: the same predictions and report for the same options', async () => {
    const rows = churnRows(300, 9), opts = { target: 'churn', ensemble: 2, epochs: 4, seed: 2, onWarning: () => {} };
    const p = await tl.presets.PropensityModel.fit(rows, opts), c = await tl.presets.ChurnModel.fit(rows, opts);
    expect(p.kind).toBe('propensity');
    expect(p.classes).toEqual(['no', 'yes']);
    expect(p.predict(rows.slice(0, 50))).toEqual(c.predict(rows.slice(0, 50)));
    expect(await p.evaluate(rows)).toEqual(await c.evaluate(rows));
    expect(p.outputColumns()).toEqual(c.outputColumns());
    // A churn model's file (PropensityModel was ChurnModel's alias before) loads as a PropensityModel.
    const path = t.path('churn-as-propensity.safetensors');
    await c.save(path);
    const back = await tl.presets.PropensityModel.load(path);
    expect(back).toBeInstanceOf(tl.presets.PropensityModel);
    expect(back.predict(rows.slice(0, 10))).toEqual(c.predict(rows.slice(0, 10)));
  });
});

describe('targets a classifier cannot learn: one line naming what is wrong', () => {
  const rows = offerRows(120, 8);
  const fit = (data: tl.data.Row[], opts: Partial<tl.presets.PropensityFitOptions> = {}) =>
    tl.presets.PropensityModel.fit(data, { target: 'offer', ensemble: 2, epochs: 1, onWarning: () => {}, ...opts });
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['one class', () => fit(rows.map((r) => ({ ...r, offer: 'keep' }))), /^target: 'offer' is 'keep' in every row; a classifier needs at least two classes$/],
    ['every value missing', () => fit(rows.map((r) => ({ ...r, offer: '' }))), /^target: 'offer' has no values \(every row is missing it\)$/],
    ['some values missing', () => fit(rows.map((r, i) => ({ ...r, offer: i % 7 === 3 ? 'NA' : r.offer }))), /^row 3: the target 'offer' is missing \(17 rows lack it\); drop those rows or fill them in$/],
    ['a numeric quantity', () => fit(rows, { target: 'spend' }), /^target: 'spend' is numeric with \d+ distinct values, a quantity rather than classes .*LifetimeValueModel/],
    ['an identifier', () => fit(rows, { target: 'id', maxClasses: 50 }), /^target: 'id' has 120 distinct values; a classifier learns at most 50 classes \(maxClasses\); is it an identifier\?$/],
    ['a class of one row', () => fit(rows.map((r, i) => ({ ...r, offer: i === 7 ? 'voucher' : r.offer }))), /^target: class 'voucher' of 'offer' has 1 row \(row 7\); each class needs at least 2 rows/],
    ['an absent column', () => fit(rows, { target: 'nope' }), /^target: column 'nope' is not in the data/],
    ['positive on more than two classes', () => fit(rows, { positive: 'upgrade' }), /^PropensityModel\.fit: positive is for a yes\/no target, and 'offer' has more than two values$/],
    ['a number as a multi-class weight', () => fit(rows, { classWeight: 3 }), /^PropensityModel\.fit: a number as classWeight weights a binary target's positives/],
    ['a weight for an unknown class', () => fit(rows, { classWeight: { voucher: 2 } }), /classWeight names 'voucher', which is not a class of the target/],
  ];
  for (const [name, run, why] of cases)
    it(name, async () => {
      const err = await run().then(() => undefined, (e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toMatch(why);
      expect(err!.message).not.toContain('\n');
    });
});
