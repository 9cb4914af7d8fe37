// Numeric extremes at the data boundary: values no float32 holds (inf, "Infinity", 1e39, 1e308,
// JSON's 1e999) are missing values of a numeric column, counted in a warning; they never change
// the column's kind and never reach the scaler. Every statistic written into a model file is
// finite, and a file with a non-finite one is refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { churnRows, tempDir } from './helpers/boundary.js';

const t = tempDir('numeric');
const EXTREMES = ['inf', '-inf', '+inf', 'Infinity', '-Infinity', 'INF', '1e39', '-1e39', '1e308', '-1.5e308', '1e999', '3.5e38'];

const kindOf = (values: unknown[]) => tl.data.inferColumn({ rows: values.map((x) => ({ x: x as tl.data.Value })), columns: ['x'] }, 'x');

describe('schema inference', () => {
  for (const v of EXTREMES)
    it(`one '${v}' among 1,100 distinct numbers keeps the column numeric (not an id, not a category)`, () => {
      const values = Array.from({ length: 1100 }, (_, i) => String(i * 1.25));
      values[500] = v;
      const info = kindOf(values);
      expect(info.kind).toBe('numeric');
      expect(info.outOfRange).toBe(1);
    });

  it('numbers from JS rows and JSON: Infinity, -Infinity, 1e39 are out of range; NaN and "NaN" are plain missing values', () => {
    expect(kindOf([1, 2, Infinity, -Infinity, 1e39, 3])).toMatchObject({ kind: 'numeric', outOfRange: 3 });
    expect(kindOf(['1', 'NaN', 'nan', NaN, '2'])).toMatchObject({ kind: 'numeric', missing: 3 });
    expect(kindOf(['1', 'NaN', 'nan', NaN, '2']).outOfRange).toBeUndefined();
  });

  it('a column of nothing but infinities is ignored like an empty one; mixed with words it stays a category', () => {
    expect(kindOf(['inf', '-inf', '1e400']).kind).toBe('ignore');
    expect(kindOf(['red', 'inf', 'blue', 'red']).kind).toBe('categorical');
    expect(kindOf(['3.4e38', '-3.4e38', '1']).kind).toBe('numeric'); // the float32 range itself is fine
  });
});

describe('fitting and scoring with extreme values', () => {
  const rows = churnRows(300, 2);
  const extreme = rows.map((r, i) =>
    i === 10 ? { ...r, spend: '1e308' } : i === 20 ? { ...r, spend: 'inf', tenure: '-Infinity' } : i === 30 ? { ...r, tenure: '1e39' } : r,
  );

  it('treats them as missing, warns once per column with the count, and saves only finite statistics', async () => {
    const warnings: string[] = [];
    const model = await tl.presets.ChurnModel.fit(extreme, { target: 'churn', ensemble: 2, epochs: 3, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      "column 'tenure': 2 values are infinite or beyond the float32 range (±3.4e38) and treated as missing (row 20: '-Infinity', row 30: '1e39')",
      "column 'spend': 2 values are infinite or beyond the float32 range (±3.4e38) and treated as missing (row 10: '1e308', row 20: 'inf')",
    ]);
    expect(model.schema.find((c) => c.name === 'spend')!.kind).toBe('numeric');
    for (const c of model.preprocessor.numericColumns) for (const k of ['median', 'mean', 'std'] as const) expect(Number.isFinite(c[k]), `${c.name}.${k}`).toBe(true);
    const file = t.path('extreme.safetensors');
    await model.save(file);
    const header = readFileSync(file).subarray(8, 8 + Number(readFileSync(file).readBigUInt64LE(0))).toString();
    expect(JSON.parse(JSON.parse(header).__metadata__.tensorlift).preprocessor.columns.flatMap((c: Record<string, unknown>) => [c.median, c.mean, c.std]).filter((v: unknown) => v !== undefined && typeof v !== 'number')).toEqual([]);
    const back = await tl.presets.ChurnModel.load(file);
    const p = back.predict(rows.slice(0, 50));
    expect(p.every(Number.isFinite)).toBe(true);
    expect(p).toEqual(model.predict(rows.slice(0, 50)));
  });

  it('at predict time an extreme value scores like a missing one, with a warning (not NaN, not an error)', async () => {
    const model = await tl.presets.ChurnModel.fit(rows, { target: 'churn', ensemble: 2, epochs: 3, onWarning: () => {} });
    for (const v of [...EXTREMES, Infinity, -Infinity, 1e39]) {
      const warnings: string[] = [];
      const [p] = model.predict([{ ...rows[0], spend: v as string }], { onWarning: (m) => warnings.push(m) });
      expect(p, String(v)).toBe(model.predict([{ ...rows[0], spend: '' }])[0]);
      expect(warnings, String(v)).toHaveLength(1);
      expect(warnings[0]).toMatch(/column 'spend': 1 value is infinite or beyond the float32 range/);
    }
    expect(() => model.predict([{ ...rows[0], spend: 'lots' }])).toThrow(/row 0, column 'spend': 'lots' is not a number/);
  });

  it('reads JSON Lines numbers beyond float64 (1e999 parses to Infinity) as missing', async () => {
    const file = t.file('big.jsonl', rows.slice(0, 100).map((r, i) => (i === 5 ? JSON.stringify({ ...r, spend: 1 }).replace('"spend":1', '"spend":1e999') : JSON.stringify(r))).join('\n'));
    const table = await tl.data.readJsonl(file);
    expect(table.rows[5].spend).toBe(Infinity);
    expect(tl.data.inferColumn(table, 'spend')).toMatchObject({ kind: 'numeric', outOfRange: 1 });
  });
});

describe('statistics in model files', () => {
  const pre = () => tl.data.Preprocessor.fit({ rows: [{ x: '1' }, { x: '2' }, { x: '4' }], columns: ['x'] }, [0, 1, 2], [{ name: 'x', kind: 'numeric', missing: 0, distinct: 3 }]);

  it('refuses to write or read a non-finite statistic', () => {
    for (const bad of [NaN, Infinity, null, '1']) {
      const state = JSON.parse(JSON.stringify(pre().toJSON()));
      state.columns[0].std = bad;
      expect(() => tl.data.Preprocessor.fromJSON(state), String(bad)).toThrow(/preprocessing column 0 'x' has a non-finite std/);
      const p = new tl.data.Preprocessor([{ ...(pre().columns[0] as object), mean: bad } as tl.data.ColumnState]);
      expect(() => p.toJSON()).toThrow(/save: preprocessing column 0 'x' has a non-finite mean/);
    }
    const zero = JSON.parse(JSON.stringify(pre().toJSON()));
    zero.columns[0].std = 0;
    expect(() => tl.data.Preprocessor.fromJSON(zero)).toThrow(/std of 0, which must be positive/);
  });

  it('tl.load refuses a model file with a null std, a non-finite logit shift or NaN weights, naming the file', async () => {
    const model = await tl.presets.ChurnModel.fit(churnRows(200, 3), { target: 'churn', ensemble: 2, epochs: 2, onWarning: () => {} });
    const good = t.path('good.safetensors');
    await model.save(good);
    const { tensors, metadata } = await tl.io.readSafetensors(good);
    const variants: [string, (meta: Record<string, any>, ts: Record<string, tl.Tensor>) => Record<string, tl.Tensor>, RegExp][] = [
      ['null-std', (m, ts) => ((m.preprocessor.columns[0].std = null), ts), /non-finite std \(null\)/],
      ['null-median', (m, ts) => ((m.preprocessor.columns[0].median = null), ts), /non-finite median/],
      ['null-shift', (m, ts) => ((m.head.logitShift = null), ts), /logit shift is null, not a finite number/],
      ['nan-weight', (_m, ts) => {
        const [name] = Object.keys(ts).filter((k) => ts[k].dtype === 'float32');
        const v = ts[name].dataSync().slice();
        v[0] = NaN;
        return { ...ts, [name]: tl.tensor(v, { shape: ts[name].shape }) };
      }, /weights '.*' hold values that are not finite/],
    ];
    for (const [name, edit, why] of variants) {
      const meta = JSON.parse(metadata.tensorlift);
      const ts = edit(meta, tensors);
      const file = t.path(`${name}.safetensors`);
      await tl.io.writeSafetensors(file, ts, { tensorlift: JSON.stringify(meta) });
      const err = await tl.load(file).then(() => undefined, (e: Error) => e);
      expect(err, name).toBeInstanceOf(Error);
      expect(err!.message, name).toMatch(why);
      expect(err!.message).toContain(`load: ${file}: `);
    }
  });
});
