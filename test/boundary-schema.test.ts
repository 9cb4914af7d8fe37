// Columns at the data boundary: rows or files lacking trained columns (an error naming them,
// unless the caller opts in to imputing), header-only inputs, targets with one class or gaps,
// columns of nothing but missing values, unknown column names in options.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { scoreFile } from '../lib/cli/score-file.js';
import { churnRows, smallModel, tempDir, toCsv } from './helpers/boundary.js';

const t = tempDir('schema');
const data = churnRows(300, 5);
let model: tl.presets.ChurnModel;
beforeAll(async () => {
  model = await smallModel();
});
const without = (rows: Record<string, string>[], ...cols: string[]) =>
  rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !cols.includes(k))));

describe('predict-time schema', () => {
  it('names the trained columns a row lacks, and imputes them only on request (with a warning)', () => {
    expect(() => model.predict(without(data.slice(0, 3), 'spend'))).toThrow(/row 0 lacks a column the model was trained on: 'spend'; add it, or pass \{ missing: 'impute' \}/);
    expect(() => model.predict([data[0], without([data[1]], 'tenure', 'plan')[0]])).toThrow(/row 1 lacks 2 columns the model was trained on: 'tenure', 'plan'/);
    const warnings: string[] = [];
    const p = model.predict(without(data.slice(0, 3), 'spend'), { missing: 'impute', onWarning: (m) => warnings.push(m) });
    expect(p.every((v) => v > 0 && v < 1)).toBe(true);
    expect(warnings).toEqual(["3 rows lack column 'spend' the model was trained on; imputed as missing values"]);
  });

  it("a column named like an Object property ('constructor') is checked for real", async () => {
    const m = await tl.presets.ChurnModel.fit(data.map((r) => ({ ...r, constructor: r.plan })), { target: 'churn', ensemble: 2, epochs: 2, onWarning: () => {} });
    expect(() => m.predict([data[0]])).toThrow(/row 0 lacks a column the model was trained on: 'constructor'/);
  });

  it('a present but empty value is a missing value, not a missing column; extra columns are ignored', () => {
    const [a] = model.predict([{ ...data[0], spend: '' }]);
    const [b] = model.predict([{ ...data[0], spend: undefined as unknown as string }]);
    expect(a).toBe(b);
    expect(model.predict([{ ...data[0], extra: 'x', another: '1' }])).toEqual(model.predict([data[0]]));
  });

  it('a file lacking trained columns is refused by name before anything is written; --impute-missing scores it', async () => {
    const input = t.file('lacking.csv', toCsv(without(data, 'spend', 'plan')));
    const out = t.file('scores.csv', 'previous scores\n');
    const err = (await scoreFile(model, input, out).catch((e) => e)) as tl.data.InputError;
    expect(err.message).toBe(`${input} lacks 2 columns the model was trained on: 'spend', 'plan'; add them, or pass { missing: 'impute' } to score with imputed values`);
    expect(err.cliMessage).toBe(`${input} lacks 2 columns the model was trained on: 'spend', 'plan'; add them, or pass --impute-missing to score with imputed values`);
    expect(readFileSync(out, 'utf8')).toBe('previous scores\n');
    expect(readdirSync(t.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const warnings: string[] = [];
    const { rows } = await scoreFile(model, input, out, { missing: 'impute', batchSize: 64, onWarning: (m) => warnings.push(m) });
    expect(rows).toBe(300);
    expect(warnings).toEqual([`300 rows of ${input} lack columns 'spend', 'plan' the model was trained on; imputed as missing values`]); // once, not per batch
  });

  it('JSON Lines rows lacking a trained column are refused naming the line', async () => {
    const lines = data.slice(0, 10).map((r, i) => JSON.stringify(i === 6 ? without([r], 'tenure')[0] : r));
    await expect(scoreFile(model, t.file('gap.jsonl', lines.join('\n')), t.path('gap-out.jsonl'))).rejects.toThrow(/gap\.jsonl line 7 lacks a column the model was trained on: 'tenure'/);
    expect(existsSync(t.path('gap-out.jsonl'))).toBe(false);
  });

  it('evaluate and importance refuse lacking columns and a single class of the target', async () => {
    const lacking = t.file('eval-lacking.csv', toCsv(without(data, 'tenure')));
    await expect(model.evaluate(lacking)).rejects.toThrow(/eval-lacking\.csv lacks a column the model was trained on: 'tenure'/);
    expect((await model.evaluate(lacking, { missing: 'impute', onWarning: () => {} })).rows).toBe(300);
    const oneClass = t.file('one-class.csv', toCsv(data.filter((r) => r.churn === 'no')));
    await expect(model.evaluate(oneClass)).rejects.toThrow(/one-class\.csv: every row has 'churn' = 'no'; ROC AUC and lift need rows of both classes/);
    await expect(model.importance(oneClass)).rejects.toThrow(/every row has 'churn' = 'no'/);
    await expect(model.evaluate(t.file('no-target.csv', toCsv(without(data, 'churn'))))).rejects.toThrow(/target: column 'churn' is not in .*no-target\.csv \(columns: id, tenure/);
  });

  it('refuses a score column that is already in the input', async () => {
    const input = t.file('has-prob.csv', toCsv(data.map((r) => ({ ...r, probability: '0.1' }))));
    await expect(scoreFile(model, input, t.path('p.csv'))).rejects.toThrow(/already has a column named 'probability'; choose another with --column/);
  });
});

describe('training-time schema', () => {
  const fit = (rows: Record<string, unknown>[], opts: Partial<tl.presets.ChurnFitOptions> = {}) =>
    tl.presets.ChurnModel.fit(rows as tl.data.Row[], { target: 'churn', ensemble: 2, epochs: 2, onWarning: () => {}, ...opts });

  it('a target column with a single class, a gap, or more than two values is refused naming it', async () => {
    await expect(fit(data.map((r) => ({ ...r, churn: 'no' })))).rejects.toThrow(/'churn' must have exactly two values for a binary model, found 1: 'no' \(row 0\)/);
    await expect(fit(data.map((r, i) => ({ ...r, churn: i === 17 ? '' : r.churn })))).rejects.toThrow(/row 17: the target 'churn' is missing/);
    await expect(fit(data.map((r, i) => ({ ...r, churn: i === 3 ? 'maybe' : r.churn })))).rejects.toThrow(/found 3/);
    await expect(fit(data, { target: 'nope' })).rejects.toThrow(/column 'nope' is not in the data \(columns: id, tenure/);
    const file = t.file('cls.csv', toCsv(data.map((r) => ({ ...r, churn: r.churn === 'yes' ? 'gold' : 'silver' }))));
    await expect(tl.presets.ChurnModel.fit(file, { target: 'churn' })).rejects.toThrow(/cannot tell which value of 'churn' is the positive class .*pass \{ positive: '(gold|silver)' \}/);
  });

  it('a column of nothing but missing values is left out, and training works without it', async () => {
    const m = await fit(data.map((r) => ({ ...r, empty: '', na: 'NA' })));
    expect(m.schema.find((c) => c.name === 'empty')!.kind).toBe('ignore');
    expect(m.schema.find((c) => c.name === 'na')!.kind).toBe('ignore');
    expect(m.preprocessor.columns.map((c) => c.name)).not.toContain('empty');
    expect(m.predict(data.slice(0, 2))).toHaveLength(2); // rows without 'empty' are fine: it is not a feature
  });

  it('no usable column, and unknown names in exclude / columns, are refused clearly', async () => {
    await expect(fit(data.map((r) => ({ id: r.id, churn: r.churn })))).rejects.toThrow(/no usable feature columns/);
    await expect(fit(data, { exclude: ['tenur'] })).rejects.toThrow(/schema: column 'tenur' is not in the data/);
    await expect(fit(data, { columns: { planx: 'categorical' } })).rejects.toThrow(/schema: column 'planx' is not in the data/);
  });

  it('a header-only training file is refused', async () => {
    const file = t.path('header-only.csv');
    writeFileSync(file, 'id,tenure,churn\n');
    await expect(tl.presets.ChurnModel.fit(file, { target: 'churn' })).rejects.toThrow(/header-only\.csv has a header but no data rows/);
  });
});
