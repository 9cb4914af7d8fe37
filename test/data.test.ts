// The CSV pipeline: schema inference, encoders, out-of-vocabulary and missing values, and
// malformed input reported with file, line and column.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-data-'));
const csv = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('CSV reading', () => {
  it('reads quoted R-style and plain files with line numbers', async () => {
    const t = await tl.data.readCsv(csv('a.csv', '"id","name","v"\n1,"a, b",2.5\n\n2,"say ""hi""",3\n'));
    expect(t.columns).toEqual(['id', 'name', 'v']);
    expect(t.rows[0].name).toBe('a, b');
    expect(t.rows[1].name).toBe('say "hi"');
    expect(t.lines).toEqual([2, 4]);
  });

  it('rejects malformed files naming the file and line', async () => {
    await expect(tl.data.readCsv(csv('empty.csv', ''))).rejects.toThrow(/empty\.csv is empty/);
    await expect(tl.data.readCsv(csv('header.csv', 'a,b\n'))).rejects.toThrow(/header but no data rows/);
    await expect(tl.data.readCsv(csv('ragged.csv', 'a,b\n1,2\n3,4,5\n'))).rejects.toThrow(/ragged\.csv line 3/);
    await expect(tl.data.readCsv(csv('quote.csv', 'a,b\n1,"x\n'))).rejects.toThrow(/quote\.csv/);
    await expect(tl.data.readCsv(csv('dup.csv', 'a,a\n1,2\n'))).rejects.toThrow(/'a' appears twice/);
    await expect(tl.data.readCsv(join(dir, 'missing.csv'))).rejects.toThrow(/no such file/);
  });
});

describe('schema inference', () => {
  it('tells numeric, boolean, categorical, text and id columns apart', () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({
      num: String(i * 1.5), flag: i % 2 ? 'yes' : 'no', cat: ['red', 'green', 'blue'][i % 3], zeroOne: String(i % 2),
      text: `this is a long free text comment number ${i} with words`, id: `cust-${i}`, empty: '', withNA: i % 10 ? String(i) : 'NA',
    }));
    const kinds = Object.fromEntries(tl.data.inferSchema({ rows, columns: Object.keys(rows[0]) }, undefined).map((c) => [c.name, c.kind]));
    expect(kinds).toEqual({ num: 'numeric', flag: 'boolean', cat: 'categorical', zeroOne: 'numeric', text: 'text', id: 'id', empty: 'ignore', withNA: 'numeric' });
  });

  it('honours overrides and exclusions, and checks their names', () => {
    const t = { rows: [{ zip: '12345', a: '1' }, { zip: '54321', a: '2' }], columns: ['zip', 'a'] };
    expect(tl.data.inferSchema(t, undefined, { overrides: { zip: 'categorical' } })[0].kind).toBe('categorical');
    expect(tl.data.inferSchema(t, 'a')).toHaveLength(1);
    expect(() => tl.data.inferSchema(t, undefined, { exclude: ['nope'] })).toThrow(/'nope' is not in the data/);
  });
});

describe('preprocessing', () => {
  const table = {
    rows: [
      { x: '1', c: 'a', b: 'yes' }, { x: '3', c: 'b', b: 'no' }, { x: '', c: 'a', b: 'yes' }, { x: '5', c: '', b: 'no' },
    ],
    columns: ['x', 'c', 'b'],
  };
  const schema = tl.data.inferSchema(table, undefined);

  it('imputes the median with an indicator, scales on training rows, maps categories with OOV and missing levels', () => {
    const pre = tl.data.Preprocessor.fit(table, [0, 1, 2, 3], schema);
    const x = pre.columns[0] as tl.data.ColumnState & { median: number; indicator: boolean };
    expect(x.median).toBe(3);
    expect(x.indicator).toBe(true);
    expect(pre.numericWidth).toBe(3); // x, x-missing, b
    // The third row lacks x and b: imputed, because the caller asks for it.
    const enc = pre.transform({ rows: [{ x: '3', c: 'a', b: 'no' }, { x: 'NA', c: 'zzz', b: 'yes' }, { c: '' }], columns: [] }, undefined, { missing: 'impute', onWarning: () => {} });
    const levels = (pre.columns.find((c) => c.name === 'c') as { levels: string[] }).levels;
    expect(levels).toContain('(missing)');
    expect(enc.categorical[0]).toBe(levels.indexOf('a') + 1);
    expect(enc.categorical[1]).toBe(0); // never seen in training: the out-of-vocabulary bucket
    expect(enc.categorical[2]).toBe(levels.indexOf('(missing)') + 1);
    expect(enc.numeric[1 * 3 + 1]).toBe(1); // x missing -> indicator 1
    // Round trip through JSON (what the model file stores).
    const back = tl.data.Preprocessor.fromJSON(JSON.parse(JSON.stringify(pre.toJSON())));
    expect(Array.from(back.transform(table).numeric)).toEqual(Array.from(pre.transform(table).numeric));
  });

  it('reports a non-number in a numeric column with its line and column, or treats it as missing on request', () => {
    const pre = tl.data.Preprocessor.fit(table, [0, 1, 2, 3], schema);
    const bad = { rows: [{ x: '2', c: 'a', b: 'no' }, { x: 'twelve', c: 'a', b: 'no' }], columns: [], lines: [2, 3], source: 'new.csv' };
    expect(() => pre.transform(bad)).toThrow(/new\.csv line 3, column 'x': 'twelve' is not a number/);
    expect(pre.transform(bad, undefined, { invalid: 'missing' }).numeric[3 + 1]).toBe(1);
  });
});

describe('binary targets', () => {
  const t = (values: string[]) => ({ rows: values.map((v) => ({ y: v })), columns: ['y'], lines: values.map((_, i) => i + 2), source: 'f.csv' });
  it('finds the positive class or asks for it', () => {
    expect(tl.data.binaryTarget(t(['no', 'yes', 'no']), 'y').positive).toBe('yes');
    expect(tl.data.binaryTarget(t(['0', '1']), 'y').positive).toBe('1');
    expect(() => tl.data.binaryTarget(t(['gold', 'silver']), 'y')).toThrow(/pass \{ positive/);
    expect(tl.data.binaryTarget(t(['gold', 'silver']), 'y', 'gold').negative).toBe('silver');
  });
  it('rejects targets that are missing, absent or not binary, naming where', () => {
    expect(() => tl.data.binaryTarget(t(['yes', '', 'no']), 'y')).toThrow(/f\.csv line 3: the target 'y' is missing/);
    expect(() => tl.data.binaryTarget(t(['a', 'b', 'c']), 'y')).toThrow(/exactly two values .* found 3/);
    expect(() => tl.data.binaryTarget(t(['a', 'b']), 'z')).toThrow(/column 'z' is not in the data/);
  });
});

describe('prepare() for custom models', () => {
  it('turns a CSV into tensors tl.fit trains on', async () => {
    const file = new URL('../data/mlc_churn.csv', import.meta.url).pathname;
    const p = await tl.data.prepare(file, { target: 'churn', seed: 1 });
    expect(p.train.x[0].shape[0] + p.validation.x[0].shape[0]).toBe(5000);
    expect(p.train.x[1].dtype).toBe('int32');
    class Net extends tl.nn.Module {
      emb = p.preprocessor.cardinalities.map((c) => new tl.nn.Embedding(c, 3));
      out = new tl.nn.Linear(p.preprocessor.numericWidth + 3 * p.preprocessor.cardinalities.length, 1);
      forward(num: tl.Tensor, cat: tl.Tensor) {
        return this.out.forward(tl.cat([num, ...this.emb.map((e, j) => e.forward(cat.slice(1, j, j + 1)).reshape([-1, 3]))], 1));
      }
    }
    const net = new Net();
    const h = await tl.fit(net, p.train, {
      loss: 'bce', optimizer: new tl.optim.Adam(net.parameters(), { lr: 0.01 }), epochs: 10, batchSize: 256,
      validation: p.validation, metrics: ['auc'], progress: false,
    });
    expect(h.epochs.at(-1)!.valAuc).toBeGreaterThan(0.75);
    expect(p.encode([{ state: 'KS', international_plan: 'yes' }], { missing: 'impute', onWarning: () => {} })[0].shape).toEqual([1, p.preprocessor.numericWidth]);
    expect(() => p.encode([{ state: 'KS', international_plan: 'yes' }])).toThrow(/row 0 lacks 17 columns the model was trained on: 'account_length'/);
  });
});
