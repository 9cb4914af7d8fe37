// ChurnModel with logistic boosted trees in its blend (the default; classifier-trees.ts): the
// blend is kept only when it helps out of fold, it beats the networks on mlc_churn's test split,
// the model file carries the trees (identical predictions after load, malformed trees refused),
// distill() hands the trees on to its student (or, with trees: false, teaches one network the
// blend), and `trees: false` / --no-trees leave them out.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { chooseTreeWeight } from '../lib/presets/classifier-trees.js';
import { seededRandom } from '../lib/train/data.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-churn-trees-'));
const dataFile = new URL('../data/mlc_churn.csv', import.meta.url).pathname;
let train: tl.data.Row[], test: tl.data.Row[], model: tl.presets.ChurnModel;

beforeAll(async () => {
  const { rows } = await tl.data.readCsv(dataFile);
  train = rows.slice(0, 3333);
  test = rows.slice(3333);
  model = await tl.presets.ChurnModel.fit(train, { target: 'churn', seed: 42 });
}, 180_000);

describe('chooseTreeWeight', () => {
  const random = seededRandom(3), n = 2000;
  const y = Float64Array.from({ length: n }, () => (random() < 0.3 ? 1 : 0));
  // The networks know part of the label; a second opinion knows another part.
  const net = Float64Array.from(y, (v) => (v ? 1 : -1) * 0.8 + 2 * (random() - 0.5) - 0.85);
  const informative = Float64Array.from(y, (v) => (v ? 1 : -1) * 0.8 + 2 * (random() - 0.5) - 0.85);

  it('gives informative trees a weight, about half when they know as much as the networks', () => {
    const { weight, scale } = chooseTreeWeight(net, informative, y);
    expect(weight).toBeGreaterThanOrEqual(0.3);
    expect(weight).toBeLessThanOrEqual(0.7);
    expect(scale).toBeGreaterThan(1); // two opinions averaged are less sure than their sum would be
  });

  it('gives trees of noise, or copies of the networks, no weight at all', () => {
    expect(chooseTreeWeight(net, Float64Array.from(y, () => 3 * (random() - 0.5)), y)).toEqual({ weight: 0, scale: 1 });
    expect(chooseTreeWeight(net, net, y)).toEqual({ weight: 0, scale: 1 });
  });
});

describe('ChurnModel with trees', () => {
  it('keeps the trees on mlc_churn, and beats its own networks out of fold and the 0.9248 of networks alone on the test split', async () => {
    const v = model.validation;
    expect(model.trees).toBeDefined();
    expect(v.trees!.weight).toBeGreaterThan(0);
    expect(v.auc!).toBeGreaterThan(v.trees!.networksAuc);
    const r = await model.evaluate(test);
    expect(r.auc).toBeGreaterThan(0.928);
    expect(model.describe()).toMatch(/\+ logistic boosted trees \(\d+ rounds, blend weight 0\.\d\)/);
  });

  it('predicts identically after save and load, synchronously and on the worker thread', async () => {
    const path = join(dir, 'trees.safetensors');
    await model.save(path);
    const back = await tl.load(path);
    expect(back).toBeInstanceOf(tl.presets.ChurnModel);
    const p = model.predict(test), q = (back as tl.presets.ChurnModel).predict(test), a = await (back as tl.presets.ChurnModel).predictAsync(test);
    expect(q).toEqual(p);
    expect(a).toEqual(p);
    expect((back as tl.presets.ChurnModel).trees!.weight).toBe(model.trees!.weight);
    expect((back as tl.presets.ChurnModel).trees!.scale).toBe(model.trees!.scale);
  });

  it('refuses a file whose trees are malformed, naming them', () => {
    const saved = model.toSafetensors();
    const withTrees = (patch: (t: Record<string, unknown>) => void) => {
      const meta = JSON.parse(JSON.stringify(saved.meta)) as { info: { trees: Record<string, unknown> } };
      patch(meta.info.trees);
      return () => tl.presets.ChurnModel.fromSaved(Object.fromEntries(Object.entries(saved.tensors).map(([k, t]) => [k, t.clone()])), meta);
    };
    expect(withTrees((t) => (t.weight = 3))).toThrow(/^ChurnModel: the file's boosted trees are malformed \(weight 3\)$/);
    expect(withTrees((t) => (t.scale = -1))).toThrow(/malformed \(scale -1\)/);
    expect(withTrees((t) => ((t.models as { int: string }[])[0].int = 'AAA'))).toThrow(/boosted trees are malformed|saved trees/);
    expect(withTrees((t) => ((t.models as { loss: string }[])[0].loss = 'squared'))).toThrow(/malformed \(loss 'squared'\)/);
    expect(withTrees((t) => (t.indicators = []))).toThrow(/boosted trees and preprocessing disagree/);
    expect(withTrees((t) => (t.indicators = (t.indicators as boolean[]).map((x) => !x)))).toThrow(/boosted trees and preprocessing disagree/);
    expect(withTrees((t) => {
      const b = t.binner as { kinds: string[]; cuts: number[][]; codeBins?: number[][] };
      b.kinds.push('numeric'), b.cuts.push([]), b.codeBins?.push([]);
    })).toThrow(/boosted trees read \d+ columns, its preprocessing gives them \d+/);
  });

  let teacherAuc = 0;
  it('distills into one network that keeps the trees beside it, within 0.005 of the blend, and round-trips', async () => {
    teacherAuc = (await model.evaluate(test)).auc!;
    const student = await model.distill({ data: train, seed: 1 });
    expect(student.nets).toHaveLength(1);
    expect(student.trees!.weight).toBe(model.trees!.weight);
    expect(student.trees!.rounds).toEqual(model.trees!.rounds);
    expect(student.validation.trees!.networksAuc).toBeGreaterThan(0.8);
    // Every column the trees split on is still read by the student.
    const used = model.trees!.used, pre = model.preprocessor;
    for (const c of [...pre.numericColumns.filter((_, j) => used.numeric.has(j)), ...pre.categoricalColumns.filter((_, k) => used.categorical.has(k))])
      expect(student.preprocessor.inputColumns).toContain(c.name);
    const r = await student.evaluate(test);
    expect(r.auc).toBeGreaterThan(teacherAuc - 0.005);
    const path = join(dir, 'student.safetensors');
    await student.save(path);
    expect((await tl.presets.ChurnModel.load(path)).predict(test)).toEqual(student.predict(test));
  }, 120_000);

  it('with trees: false, distills the whole blend into one network of its own', async () => {
    const student = await model.distill({ data: train, seed: 1, trees: false });
    expect(student.trees).toBeUndefined();
    expect(student.nets).toHaveLength(1);
    expect((await student.evaluate(test)).auc).toBeGreaterThan(0.915);
  }, 120_000);

  it('restricting the trees to fewer columns keeps their values when the dropped columns are unused', () => {
    const used = model.trees!.used, pre = model.preprocessor;
    const keepN = pre.numericColumns.map((_, j) => used.numeric.has(j)), keepC = pre.categoricalColumns.map((_, k) => used.categorical.has(k));
    const small = model.trees!.restrict(keepN, keepC);
    const e = pre.transform({ columns: Object.keys(test[0]), rows: test });
    const names = new Set([...pre.numericColumns.filter((_, j) => keepN[j]), ...pre.categoricalColumns.filter((_, k) => keepC[k])].map((c) => c.name));
    const sub = tl.data.Preprocessor.fromJSON({ version: 1, columns: pre.toJSON().columns.filter((c) => names.has(c.name)) });
    const es = sub.transform({ columns: Object.keys(test[0]), rows: test });
    expect(Array.from(small.logOdds(es, sub.cardinalities))).toEqual(Array.from(model.trees!.logOdds(e, pre.cardinalities)));
    if (keepN.some((k) => k)) expect(() => model.trees!.restrict(keepN.map(() => false), keepC)).toThrow(/is split on but not kept/);
  });

  it('is left out for targets of more than two classes, and with trees: false', async () => {
    const rows = train.slice(0, 400).map((r, i) => ({ ...r, plan: ['a', 'b', 'c'][i % 3] }));
    const multi = await tl.presets.PropensityModel.fit(rows, { target: 'plan', exclude: ['churn'], ensemble: 2, epochs: 2, onWarning: () => {} });
    expect(multi.trees).toBeUndefined();
    const plain = await tl.presets.ChurnModel.fit(train.slice(0, 400), { target: 'churn', ensemble: 2, epochs: 2, trees: false, onWarning: () => {} });
    expect(plain.trees).toBeUndefined();
    expect(plain.validation.trees).toBeUndefined();
  });

  it('is what `train churn` builds from the command line (--trees, the default, still accepted), and --no-trees leaves out', () => {
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const csv = join(dir, 'train.csv'), out = join(dir, 'cli.safetensors');
    const cols = Object.keys(train[0]);
    writeFileSync(csv, [cols.join(','), ...train.slice(0, 1500).map((r) => cols.map((c) => String(r[c])).join(','))].join('\n'));
    const run = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // Networks of 3 epochs leave much for the trees, so the blend keeps them.
    expect(run('train', 'churn', '--data', csv, '--target', 'churn', '--ensemble', '2', '--epochs', '3', '--trees', '--out', out)).toMatch(/trained 2 networks \+ boosted trees \(blend weight 0\.\d\)/);
    expect(run('describe', '--model', out)).toMatch(/logistic boosted trees \(\d+ rounds/);
    expect(run('train', 'churn', '--data', csv, '--target', 'churn', '--ensemble', '2', '--epochs', '3', '--no-trees', '--out', out)).not.toMatch(/boosted trees/);
  }, 120_000);
});
