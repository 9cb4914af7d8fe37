// The churn preset end to end: quality on the real data, save/load fidelity, the CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-churn-'));
const dataFile = new URL('../data/mlc_churn.csv', import.meta.url).pathname;
let train: tl.data.Row[], test: tl.data.Row[], model: tl.presets.ChurnModel;

beforeAll(async () => {
  const { rows } = await tl.data.readCsv(dataFile);
  train = rows.slice(0, 3333); // MANIFEST: the original MLC++ split
  test = rows.slice(3333);
  model = await tl.presets.ChurnModel.fit(train, { target: 'churn', seed: 42 });
}, 120_000);

describe('ChurnModel', () => {
  it('reaches ROC AUC >= 0.90 on the mlc_churn test split (logistic regression: 0.8375)', async () => {
    const r = await model.evaluate(test);
    expect(r.auc).toBeGreaterThanOrEqual(0.9);
    expect(r.rows).toBe(1667);
    expect(r.positives).toBe(224);
    expect(r.lift).toHaveLength(10);
    expect(r.lift[0].lift).toBeGreaterThan(4);
    expect(r.capture.top20).toBeGreaterThan(0.7);
  });

  it('gives calibrated-looking probabilities (mean prediction near the churn rate)', () => {
    const p = model.predict(test);
    const mean = p.reduce((a, b) => a + b, 0) / p.length;
    expect(mean).toBeGreaterThan(0.08);
    expect(mean).toBeLessThan(0.2);
  });

  it('predicts identically after save and load, from raw rows', async () => {
    const path = join(dir, 'churn.safetensors');
    await model.save(path);
    const back = await tl.presets.ChurnModel.load(path);
    expect(back.predict(test.slice(0, 50))).toEqual(model.predict(test.slice(0, 50)));
    expect((await tl.load(path)) instanceof tl.presets.ChurnModel).toBe(true);
  });

  it('accepts unseen categories and missing values at predict time', () => {
    const row = { ...test[0], state: 'ZZ', total_day_minutes: '', voice_mail_plan: undefined };
    const [p] = model.predict([row]);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    expect(() => model.predict([{ ...test[0], total_day_minutes: 'lots' }])).toThrow(/column 'total_day_minutes': 'lots' is not a number/);
  });

  it('is repeatable for a seed', async () => {
    const small = train.slice(0, 600);
    const a = await tl.presets.ChurnModel.fit(small, { target: 'churn', seed: 3, ensemble: 2, epochs: 5 });
    const b = await tl.presets.ChurnModel.fit(small, { target: 'churn', seed: 3, ensemble: 2, epochs: 5 });
    expect(a.predict(test.slice(0, 20))).toEqual(b.predict(test.slice(0, 20)));
  });

  it('ranks the drivers a churn analyst would expect among the top columns', async () => {
    const top = (await model.importance(test, { repeats: 1 })).slice(0, 4).map((c) => c.column);
    expect(top).toContain('number_customer_service_calls');
    expect(top).toContain('international_plan');
  });

  it('rejects bad training input clearly', async () => {
    await expect(tl.presets.ChurnModel.fit(train, { target: 'nope' })).rejects.toThrow(/'nope' is not in the data/);
    await expect(tl.presets.ChurnModel.fit(train, { target: 'state' })).rejects.toThrow(/exactly two values/);
    await expect(tl.presets.ChurnModel.fit([], { target: 'churn' })).rejects.toThrow(/no rows/);
  });
});

describe('the tensorlift CLI', () => {
  it('trains, scores a file and evaluates from the command line', () => {
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const lines = readFileSync(dataFile, 'utf8').trim().split('\n');
    const trainCsv = join(dir, 'train.csv'), testCsv = join(dir, 'test.csv'), modelFile = join(dir, 'cli.safetensors');
    writeFileSync(trainCsv, lines.slice(0, 1201).join('\n'));
    writeFileSync(testCsv, [lines[0], ...lines.slice(4001)].join('\n'));
    const run = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run('train', 'churn', '--data', trainCsv, '--target', 'churn', '--out', modelFile, '--ensemble', '2', '--epochs', '20')).toMatch(/out-of-fold ROC AUC/);
    const out = join(dir, 'scored.csv');
    expect(run('predict', '--model', modelFile, '--in', testCsv, '--out', out)).toMatch(/scored 1000 rows/);
    const scored = readFileSync(out, 'utf8').trim().split('\n');
    expect(scored).toHaveLength(1001);
    expect(scored[0].endsWith(',probability')).toBe(true);
    expect(run('evaluate', '--model', modelFile, '--data', testCsv)).toMatch(/ROC AUC 0\.\d+/);
    expect(() => run('predict', '--model', modelFile, '--in', join(dir, 'none.csv'), '--out', out)).toThrow(/tensorlift: .*none\.csv/);
  });
});
