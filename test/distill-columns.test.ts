// Which columns a distilled student reads (lib/presets/distill-columns.ts), against a teacher
// written down here whose use of each column is known: exact copies of a numeric column and
// the columns the teacher ignores go, the ones it reads stay; then the same through
// ChurnModel.distill and PropensityModel.distill on generated tables, with a free-text column.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { Preprocessor } from '../lib/data/preprocess.js';
import { inferSchema } from '../lib/data/schema.js';
import { studentColumns } from '../lib/presets/distill-columns.js';
import { TEST_SEED, makeRng } from './helpers/random.js';

/** Rows with a signal column, its affine copy, a weak column, noise, a yes/no flag, a category and a column with gaps. */
function table(n: number, rng: () => number) {
  const rows = Array.from({ length: n }, () => {
    const signal = rng() * 10, gap = rng() < 0.2 ? '' : String(rng());
    return { signal, copy: 3 * signal + 1, weak: rng(), noise: rng(), flag: rng() < 0.5 ? 'yes' : 'no', city: ['a', 'b', 'c'][Math.floor(rng() * 3)], gappy: gap };
  });
  return { rows, columns: Object.keys(rows[0]) };
}

describe('studentColumns', () => {
  const rng = makeRng(TEST_SEED);
  const t = table(1500, rng);
  const pre = Preprocessor.fit(t, t.rows.map((_, i) => i), inferSchema(t, undefined));
  const e = pre.transform(t);
  const nw = pre.numericWidth, nc = pre.cardinalities.length;
  const at = (name: string) => {
    let o = 0;
    for (const c of pre.numericColumns) {
      if (c.name === name) return o;
      o += c.indicator ? 2 : 1;
    }
    throw new Error(name);
  };
  const city = pre.categoricalColumns.findIndex((c) => c.name === 'city');
  // Logits from signal and copy (half each), the flag, the city and the gaps' indicator; weak barely; noise not at all.
  const teacher = (num: Float32Array, cat: Int32Array, idx: number[]) => Float32Array.from(idx, (_, r) =>
    num[r * nw + at('signal')] + num[r * nw + at('copy')] + 0.8 * num[r * nw + at('flag')] + (cat[r * nc + city] === 2 ? 1 : 0)
    + 3 * num[r * nw + at('gappy') + 1] + 0.01 * num[r * nw + at('weak')]);

  it('drops the copy and the unused columns, and keeps what the teacher reads', () => {
    const choice = studentColumns(pre, e, teacher, 0.03, 1);
    expect([...choice.kept].sort()).toEqual(['city', 'flag', 'gappy', 'signal']);
    const why = Object.fromEntries(choice.dropped.map((d) => [d.column, d.why]));
    expect(Object.keys(why).sort()).toEqual(['copy', 'noise', 'weak']);
    expect(why.copy).toMatch(/copy of 'signal'/);
    expect(why.noise).toMatch(/little used/);
  });

  it('keeps a near-copy that differs on a few rows the teacher reads, and one of two categorical stand-ins that matter together', () => {
    const r2 = makeRng(TEST_SEED + 7);
    const rows = Array.from({ length: 1200 }, (_, i) => {
      const a = r2() * 10, side = r2() < 0.5 ? 'left' : 'right';
      // b is a, except 0.5 more on 1% of rows (|r| still above 0.9995); A and B are one split under two names.
      return { a, b: i % 100 === 0 ? a + 0.5 : a, c: r2(), A: side, B: side === 'left' ? 'x' : 'y' };
    });
    const tt = { rows, columns: Object.keys(rows[0]) };
    const p2 = Preprocessor.fit(tt, rows.map((_, i) => i), inferSchema(tt, undefined));
    const e2 = p2.transform(tt), w = p2.numericWidth, k = p2.cardinalities.length;
    const col = (name: string) => p2.numericColumns.findIndex((c) => c.name === name);
    const raw = (num: Float32Array, r: number, name: string) => {
      const c = p2.numericColumns[col(name)], x = num[r * w + col(name)] * c.std + c.mean;
      return c.log ? Math.expm1(x) : x;
    };
    const level = (codes: Int32Array, r: number, name: string) => {
      const j = p2.categoricalColumns.findIndex((c) => c.name === name);
      return p2.categoricalColumns[j].levels[codes[r * k + j] - 1];
    };
    const nearCopy = (num: Float32Array, _c: Int32Array, idx: number[]) => Float32Array.from(idx, (_, r) => 10 * (raw(num, r, 'b') - raw(num, r, 'a')) + num[r * w + col('c')]);
    expect(studentColumns(p2, e2, nearCopy, 0.03, 1).kept).toContain('b');
    // Each of A and B alone: ~1.3% of the sensitivity (both within 3%); shuffled together ~5%.
    const standIns = (num: Float32Array, codes: Int32Array, idx: number[]) => Float32Array.from(idx, (_, r) =>
      1.1 * num[r * w + col('c')] + 0.25 * ((level(codes, r, 'A') === 'right' ? 1 : 0) + (level(codes, r, 'B') === 'y' ? 1 : 0)));
    const choice = studentColumns(p2, e2, standIns, 0.03, 1);
    expect(choice.kept.filter((n) => n === 'A' || n === 'B')).toHaveLength(1);
    expect(choice.kept).toContain('c');
  });

  it('with several classes, keeps a column that only a small class relies on', () => {
    // Classes 0 and 1 follow the signal strongly; class 2's logit moves with the weak column alone.
    const threeWay = (num: Float32Array, _c: Int32Array, idx: number[]) => {
      const z = new Float32Array(idx.length * 3);
      idx.forEach((_, r) => {
        const x = num[r * nw + at('signal')];
        z[r * 3] = 3 * x;
        z[r * 3 + 1] = -3 * x;
        z[r * 3 + 2] = 0.3 * num[r * nw + at('weak')];
      });
      return z;
    };
    const choice = studentColumns(pre, e, threeWay, 0.03, 1);
    expect(choice.kept).toContain('weak');
    expect(choice.kept).toContain('signal');
    expect(choice.kept).not.toContain('noise');
  });

  it('keeps every column at prune 0, keeps the weak one at a tiny share, and refuses a bad share', () => {
    expect(studentColumns(pre, e, teacher, 0, 1)).toEqual({ kept: pre.inputColumns, dropped: [] });
    // Copies only (the default with several classes).
    expect(studentColumns(pre, e, teacher, 0, 1, true).dropped.map((d) => d.column)).toEqual(['copy']);
    expect(studentColumns(pre, e, teacher, 1e-9, 1).kept).toContain('weak');
    for (const bad of [-0.1, 1, NaN, '0.1']) expect(() => studentColumns(pre, e, teacher, bad as number, 1)).toThrow(/prune must be a share/);
  });

  it('keeps the column of a one-column teacher, and every column of a constant one', () => {
    const one = Preprocessor.fromJSON({ version: 1, columns: pre.toJSON().columns.filter((c) => c.name === 'noise') });
    const ones = one.transform(t);
    expect(studentColumns(one, ones, (_n, _c, idx) => new Float32Array(idx.length), 0.5, 1).kept).toEqual(['noise']);
    // A constant teacher gives no reason to drop anything.
    expect(studentColumns(pre, e, (_n, _c, idx) => new Float32Array(idx.length).fill(0.3), 0.5, 1).kept).toEqual(pre.inputColumns);
  });
});

describe('ChurnModel / PropensityModel distill with pruned columns', () => {
  const rng = makeRng(TEST_SEED + 1);
  const words = ['great', 'awful', 'fine', 'slow', 'quick', 'helpful', 'rude'];
  const rows = table(1200, rng).rows.map((r) => {
    const note = Array.from({ length: 6 }, () => words[Math.floor(rng() * words.length)]).join(' ');
    const z = 0.6 * (r.signal - 5) + (r.flag === 'yes' ? 1 : -1) + (note.includes('awful') ? 1.5 : 0) + 0.5 * (rng() - 0.5);
    return { ...r, note, churn: z > 0.5 ? 'yes' : 'no', plan: z > 1.5 ? 'gold' : z > -0.5 ? 'silver' : 'bronze' };
  });
  const train = rows.slice(0, 900), test = rows.slice(900);

  it('a ChurnModel student with a text column reads fewer columns, predicts the same without the dropped ones, and round-trips', async () => {
    const teacher = await tl.presets.ChurnModel.fit(train, { target: 'churn', columns: { note: 'text' }, exclude: ['plan'], epochs: 15, seed: 2 });
    const before = teacher.predict(test);
    const student = await teacher.distill({ data: train, epochs: 40 });
    expect(teacher.predict(test)).toEqual(before);
    const names = student.inputSchema.map((c) => c.name);
    expect(names).toContain('note');
    // The teacher scores as before distilling (its networks back in inference mode: a text model runs them eagerly).
    expect(teacher.nets.every((n) => !n.training)).toBe(true);
    expect(names).not.toContain('copy');
    expect(names.length).toBeLessThan(teacher.inputSchema.length);
    expect(student.describe()).toMatch(/leaves out \d+ of the ensemble's columns: .*copy/);
    const kept = test.map((r) => Object.fromEntries(names.map((n) => [n, r[n as keyof typeof r]])));
    expect(student.predict(kept)).toEqual(student.predict(test));
    expect((await student.evaluate(test)).auc).toBeGreaterThan((await teacher.evaluate(test)).auc - 0.03);
    const path = `${process.env.TMPDIR ?? '/tmp'}/tl-distill-columns-${process.pid}.safetensors`;
    await student.save(path);
    const back = await tl.load(path) as tl.presets.ChurnModel;
    expect(back.predict(test)).toEqual(student.predict(test));
    expect(back.validation.dropped).toEqual(student.validation.dropped);
    const all = await teacher.distill({ data: train, epochs: 5, prune: 0 });
    expect(all.inputSchema).toEqual(teacher.inputSchema);
    expect(all.validation.dropped).toBeUndefined();
  }, 240_000);

  it('a PropensityModel student (three classes) leaves out only the copy by default, and keeps its accuracy', async () => {
    const teacher = await tl.presets.PropensityModel.fit(train, { target: 'plan', exclude: ['churn', 'note'], epochs: 15, seed: 2 });
    const student = await teacher.distill({ data: train, epochs: 40 });
    expect(student.inputSchema.map((c) => c.name)).toEqual(teacher.inputSchema.map((c) => c.name).filter((n) => n !== 'copy'));
    const acc = (m: tl.presets.PropensityModel) => m.predict(test).filter((c, i) => c === test[i].plan).length / test.length;
    expect(acc(student)).toBeGreaterThan(acc(teacher) - 0.05);
  }, 240_000);
});
