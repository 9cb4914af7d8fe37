// The preset contract (lib/presets/preset.ts) as the CLI, batch scoring and serving use it:
// every preset answers kind / inputSchema / describe / predict / outputColumns / score /
// evaluate / save, classifiers add classes / predictProba; the registry maps kinds to classes
// for tl.load; one generic file format (persist.ts) holds any preset, and files of the first
// ChurnModel format still load and predict what they did.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { planFolds, fitFolds } from '../lib/presets/fit-folds.js';
import { partsFromSafetensors, partsToSafetensors } from '../lib/presets/persist.js';
import { churnRows, tempDir } from './helpers/boundary.js';

const t = tempDir('contract');
const fixture = (name: string) => new URL(`./fixtures/churn-v1/${name}`, import.meta.url).pathname;
const rows = churnRows(300, 5);
let model: tl.presets.ChurnModel;

beforeAll(async () => {
  model = await tl.presets.ChurnModel.fit(rows, { target: 'churn', ensemble: 2, epochs: 3, seed: 1, onWarning: () => {} });
});

describe('files of the first ChurnModel format (presetVersion 1)', () => {
  const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as { rows: tl.data.Row[]; predictions: number[] };

  it('load, as a ChurnModel, and predict what the code that wrote them predicted', async () => {
    const { metadata } = await tl.io.readSafetensors(fixture('model.safetensors'));
    expect(JSON.parse(metadata.tensorlift).presetVersion).toBe(1);
    const old = await tl.load(fixture('model.safetensors'));
    expect(old).toBeInstanceOf(tl.presets.ChurnModel);
    const p = (old as tl.presets.ChurnModel).predict(expected.rows);
    expect(p).toHaveLength(20);
    p.forEach((v, i) => expect(v).toBeCloseTo(expected.predictions[i], 6));
  });

  it('save again in the current format, with the same predictions', async () => {
    const old = await tl.presets.ChurnModel.load(fixture('model.safetensors'));
    const path = t.path('upgraded.safetensors');
    await old.save(path);
    const { tensors, metadata } = await tl.io.readSafetensors(path);
    const meta = JSON.parse(metadata.tensorlift);
    expect(meta).toMatchObject({ kind: 'churn', preset: 'ChurnModel', presetVersion: 2, head: { type: 'binary' } });
    expect(Object.keys(tensors).every((k) => /^backbone[01]\./.test(k))).toBe(true);
    expect((await tl.presets.ChurnModel.load(path)).predict(expected.rows)).toEqual(old.predict(expected.rows));
  });
});

describe('ChurnModel answers the preset contract', () => {
  it('says what it is and what it reads', () => {
    expect(tl.presets.isPreset(model)).toBe(true);
    expect(tl.presets.isClassifier(model)).toBe(true);
    expect(model.kind).toBe('churn');
    expect(model.inputSchema).toEqual([
      { name: 'tenure', type: 'numeric' }, { name: 'spend', type: 'numeric' }, { name: 'plan', type: 'categorical' }, { name: 'region', type: 'categorical' },
    ]);
    expect(model.classes).toEqual(['no', 'yes']);
    const text = model.describe();
    expect(text).toMatch(/^ChurnModel \(kind 'churn'\): P\(churn = 'yes'\) per row \(column 'probability'\)\n/);
    expect(text).toMatch(/inputs: 4 columns: tenure \(numeric\), spend \(numeric\), plan \(categorical\), region \(categorical\)/);
    expect(text).toMatch(/trained on 300 rows \(\d+ 'no', \d+ 'yes'\); 2 networks/);
    expect(text).toMatch(/out-of-fold ROC AUC 0\.\d{4}$/);
  });

  it('scores the same values as predict, as one probability column; predictProba is [1 - p, p]', () => {
    const some = rows.slice(0, 25);
    const p = model.predict(some);
    expect(model.outputColumns()).toEqual([{ name: 'probability', type: 'number', description: 'P(churn = yes)' }]);
    expect(model.score(some)).toEqual(p.map((v) => [v]));
    const proba = model.predictProba(some);
    proba.forEach((r, i) => {
      expect(r[1]).toBe(p[i]);
      expect(r[0] + r[1]).toBeCloseTo(1, 12);
    });
    expect(model.predict([])).toEqual([]);
    expect(model.score([])).toEqual([]);
  });

  it('gives serving its JSON form: predict values, non-finite numbers as null', () => {
    const some = rows.slice(0, 3);
    expect(tl.presets.jsonPredictions(model, some)).toEqual({ predictions: model.predict(some) });
    const fake = { ...model, kind: 'x', inputSchema: [], predict: () => [NaN, { p10: Infinity, p50: 1 }, new Float32Array([0.5])] };
    Object.setPrototypeOf(fake, Object.getPrototypeOf(model));
    expect(tl.presets.jsonPredictions(fake as unknown as tl.presets.Preset, [])).toEqual({ predictions: [null, { p10: null, p50: 1 }, [0.5]] });
  });

  it('is found by kind in the registry, and tl.load gives back its class', async () => {
    expect(tl.presets.findPreset('churn')).toBe(tl.presets.ChurnModel);
    expect(tl.presets.findPreset('propensity')).toBe(tl.presets.PropensityModel);
    expect(tl.presets.presetNames()).toEqual(expect.arrayContaining(['churn', 'propensity']));
    expect(() => tl.presets.presetClass('lifetime')).toThrow(/^unknown preset 'lifetime' \(available: churn, propensity/);
    const path = t.path('churn.safetensors');
    await model.save(path);
    const back = await tl.load(path);
    expect(back).toBeInstanceOf(tl.presets.ChurnModel);
    expect((back as tl.presets.ChurnModel).predict(rows.slice(0, 30))).toEqual(model.predict(rows.slice(0, 30)));
  });
});

describe('the generic preset file format (persist.ts)', () => {
  it('refuses to write a non-finite number in the head or info (JSON would make it null)', () => {
    const parts = { preprocessor: {}, backbones: model.nets, head: { type: 'binary', logitShift: NaN }, info: {} };
    expect(() => partsToSafetensors({ kind: 'churn', preset: 'ChurnModel' }, parts)).toThrow(/^save: the head\.logitShift is NaN, not a finite number$/);
    expect(() => partsToSafetensors({ kind: 'churn', preset: 'ChurnModel' }, { ...parts, head: {}, info: { scores: [1, Infinity] } })).toThrow(/info\.scores\[1\] is Infinity/);
  });

  it('refuses tensors no network uses, and a file without networks', () => {
    const saved = partsToSafetensors({ kind: 'churn', preset: 'ChurnModel' }, { preprocessor: {}, backbones: model.nets, head: { type: 'binary', logitShift: 0 }, info: {} });
    const id = { kind: 'churn', preset: 'ChurnModel' };
    const stray = { ...saved.tensors, 'backbone9.w': tl.zeros([2]) };
    expect(() => partsFromSafetensors(stray, saved.meta, id)).toThrow(/tensors no network uses \(backbone9\.w\)/);
    expect(() => partsFromSafetensors({}, { ...saved.meta, backbones: [] }, id)).toThrow(/lists no networks/);
    expect(() => partsFromSafetensors({}, { ...saved.meta, presetVersion: 7 }, id)).toThrow(/unsupported preset version 7/);
  });
});

describe('fold ensembles (fit-folds.ts)', () => {
  const strata = Int32Array.from({ length: 103 }, (_, i) => (i % 10 === 0 ? 2 : i % 3 === 0 ? 1 : 0));

  it('k folds validate every row exactly once, each class spread evenly over the folds', () => {
    const folds = planFolds(strata, 5, 9);
    const seen = new Int32Array(strata.length);
    for (const f of folds) {
      for (const i of f.validation) seen[i]++;
      expect([...f.train, ...f.validation].sort((a, b) => a - b)).toEqual(Array.from(strata.keys()));
      const rare = f.validation.filter((i) => strata[i] === 2).length;
      expect(rare).toBeGreaterThanOrEqual(2);
      expect(rare).toBeLessThanOrEqual(3);
    }
    expect([...seen].every((v) => v === 1)).toBe(true);
    expect(folds.map((f) => f.seed)).toEqual([9, 10, 11, 12, 13]);
    expect(planFolds(strata, 5, 9)).toEqual(folds);
  });

  it('k = 1 holds out a stratified fifth; out-of-fold outputs land on the held-out rows only', async () => {
    const [one] = planFolds(strata, 1, 3);
    expect(one.validation.length).toBeGreaterThanOrEqual(19);
    expect(one.validation.length).toBeLessThanOrEqual(22);
    const ensemble = await fitFolds([one], strata.length, 2, async (f) => ({ model: f.index, validationOutputs: f.validation.flatMap((i) => [i, -i]) }));
    expect(ensemble.models).toEqual([0]);
    expect(ensemble.scored).toEqual(one.validation);
    for (const i of one.validation) expect([ensemble.outOfFold[2 * i], ensemble.outOfFold[2 * i + 1]]).toEqual([i, -i]);
    await expect(fitFolds([one], strata.length, 2, async () => ({ model: 0, validationOutputs: [1] }))).rejects.toThrow(/gave 1 outputs/);
  });
});
