// Numbers written for people ("1,234.5", "$1,234", "1.234,56 €", "56,95"): each format read
// against Intl.NumberFormat's own output of fresh random numbers (the independent reference),
// the per-column choice of convention, and presets trained on such columns giving the very
// predictions they give on the same numbers written plainly (identical features, same seed).
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { detectNumberFormat, parseFormatted } from '../lib/data/number-format.js';
import { inferColumn, inferSchema } from '../lib/data/schema.js';
import { valueProblem } from '../lib/serve/validate.js';
import { churnRows, tempDir } from './helpers/boundary.js';

const t = tempDir('numfmt');
let seed = (Date.now() >>> 0) | 1;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const table = (rows: Record<string, unknown>[]): tl.data.Table => ({ columns: Object.keys(rows[0]), rows: rows as tl.data.Row[] });

describe('parseFormatted', () => {
  it('reads what Intl.NumberFormat writes, in every locale style, for fresh random numbers', () => {
    const styles: [string, Intl.NumberFormatOptions, 'point' | 'comma'][] = [
      ['en-US', { maximumFractionDigits: 3 }, 'point'],
      ['en-US', { style: 'currency', currency: 'USD' }, 'point'],
      ['en-GB', { style: 'currency', currency: 'GBP' }, 'point'],
      ['de-CH', { maximumFractionDigits: 2 }, 'point'],
      ['de-DE', { maximumFractionDigits: 3 }, 'comma'],
      ['de-DE', { style: 'currency', currency: 'EUR' }, 'comma'],
      ['nl-NL', { style: 'currency', currency: 'EUR' }, 'comma'],
      ['fr-FR', { maximumFractionDigits: 2 }, 'comma'],
      ['fr-FR', { style: 'currency', currency: 'EUR' }, 'comma'],
    ];
    for (const [locale, opts, format] of styles) {
      const f = new Intl.NumberFormat(locale, opts);
      const digits = f.resolvedOptions().maximumFractionDigits ?? 0;
      for (let i = 0; i < 200; i++) {
        const x = (rand() - 0.3) * 10 ** Math.floor(rand() * 8);
        const s = f.format(x);
        const want = Number(x.toFixed(digits));
        expect(parseFormatted(s, format), `${locale} ${s}`).toBeCloseTo(want === 0 ? 0 : want, 9);
        expect(detectNumberFormat([s, f.format(1234.5), f.format(-0.25)]), `${locale} ${s}`).toBe(format);
      }
    }
  });

  it('takes signs, currency signs and percentages on either side, and refuses what is not one number', () => {
    expect(parseFormatted('$-5', 'point')).toBe(-5);
    expect(parseFormatted('+ $7.5', 'point')).toBe(7.5);
    expect(parseFormatted('45%', 'point')).toBe(45);
    expect(parseFormatted(' 12,5 % ', 'comma')).toBe(12.5);
    expect(parseFormatted('.5', 'point')).toBe(0.5);
    expect(parseFormatted(',5', 'comma')).toBe(0.5);
    for (const bad of ['', '-', '$', '--5', '-$-5', '1,23', '12,34,567', '1.5.5', '1 2', '12 apples', 'NA', '1,234.5.6', '1e5%', '9'.repeat(80)])
      expect(parseFormatted(bad, 'point'), bad).toBeUndefined();
    for (const bad of ['1.5', '1,2,3', '1.23,4', '1 23', '€', '1,234.5'])
      expect(parseFormatted(bad, 'comma'), bad).toBeUndefined();
  });
});

describe('detectNumberFormat', () => {
  it('chooses the one convention every value of the column reads in', () => {
    expect(detectNumberFormat(['1', '2.5', 3, null, ''])).toBeUndefined(); // plain numbers need none
    expect(detectNumberFormat(['1,889.5', '12', '0.5', 'NA'])).toBe('point');
    expect(detectNumberFormat(['56,95', '1.234', '7'])).toBe('comma'); // "1.234" is 1234 with a decimal comma
    expect(detectNumberFormat(['1,250', '12,500', '3'])).toBe('point'); // ambiguous: thousands
    expect(detectNumberFormat(['1,5', '2.5'])).toBeUndefined(); // no one convention reads both
    expect(detectNumberFormat(['basic', 'plus'])).toBeUndefined();
    expect(detectNumberFormat(['1,2,3'])).toBeUndefined();
  });

  it('makes such a column numeric in the schema, unless a kind is forced', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ spend: `€ ${(i * 37.5).toFixed(2).replace('.', ',')}`, plan: i % 2 ? 'a' : 'b' }));
    expect(inferColumn(table(rows), 'spend')).toMatchObject({ kind: 'numeric', format: 'comma', missing: 0 });
    const forced = inferSchema(table(rows), undefined, { overrides: { spend: 'categorical' } });
    expect(forced[1]).toEqual(expect.objectContaining({ kind: 'categorical' }));
    expect(forced[1].format).toBeUndefined();
  });
});

/** churnRows with spend in the hundreds and thousands, plain and as `write` formats it. */
function spendRows(write: (x: number) => string): { plain: Record<string, string>[]; formatted: Record<string, string>[] } {
  const plain = churnRows(300, 7).map((r) => ({ ...r, spend: (Number(r.spend) * 37).toFixed(2) }));
  return { plain, formatted: plain.map((r) => ({ ...r, spend: write(Number(r.spend)) })) };
}

describe('presets on formatted columns', () => {
  const de = new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' });
  const us = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

  it('ChurnModel: the same predictions as on plain numbers, after save and load too, from either writing', async () => {
    for (const write of [(x: number) => de.format(x), (x: number) => us.format(x)]) {
      const { plain, formatted } = spendRows(write);
      const opts = { target: 'churn', ensemble: 2, epochs: 3, seed: 5, onWarning: () => {} };
      const a = await tl.presets.ChurnModel.fit(plain, opts);
      const b = await tl.presets.ChurnModel.fit(formatted, opts);
      expect(b.inputSchema.find((c) => c.name === 'spend')?.format).toBe(write(1234.5).includes('€') ? 'comma' : 'point');
      expect(b.describe()).toMatch(/spend \(numeric, (decimal comma|formatted)\)/);
      const want = a.predict(plain.slice(0, 50));
      expect(b.predict(formatted.slice(0, 50))).toEqual(want);
      expect(b.predict(plain.slice(0, 50).map((r) => ({ ...r, spend: Number(r.spend) } as tl.data.Row)))).toEqual(want);
      await b.save(t.path('churn.tlm'));
      const back = await tl.presets.ChurnModel.load(t.path('churn.tlm'));
      expect(back.predict(formatted.slice(0, 50))).toEqual(want);
    }
  });

  it('a cell in another convention is refused with a one-line error naming the column and the format', async () => {
    const { formatted } = spendRows((x) => de.format(x));
    const m = await tl.presets.ChurnModel.fit(formatted, { target: 'churn', ensemble: 1, epochs: 2, seed: 1, onWarning: () => {} });
    expect(() => m.predict([{ ...formatted[0], spend: '1,234.5' }])).toThrow(/row 0, column 'spend': '1,234.5' is not a number as the training data wrote them \(numbers with a decimal comma/);
    expect(m.predict([{ ...formatted[0], spend: '1,234.5' }], { invalid: 'missing' })[0]).toBeGreaterThan(0);
    expect(valueProblem('1.234,5 €', { name: 'spend', type: 'number', format: 'comma' })).toBeNull();
    expect(valueProblem('1.234,5 €', { name: 'spend', type: 'number' })).toMatch(/expected a number/);
  });

  it('LifetimeValueModel: a formatted value target and feature train what plain ones do', async () => {
    const { plain, formatted } = spendRows((x) => us.format(x));
    const asValue = (rows: Record<string, string>[], write: (x: number) => string) =>
      rows.map((r, i) => ({ ...r, value: write(i % 3 ? Number(r.tenure) * 41.5 : 0) }));
    const opts = { target: 'value', head: 'mse' as const, ensemble: 1, epochs: 3, seed: 2, exclude: ['id', 'churn'] };
    const a = await tl.presets.LifetimeValueModel.fit(asValue(plain, (x) => x.toFixed(2)), opts);
    const b = await tl.presets.LifetimeValueModel.fit(asValue(formatted, (x) => us.format(x)), opts);
    expect(b.predict(formatted.slice(0, 30))).toEqual(a.predict(plain.slice(0, 30)));
  });

  it('Segmenter: the same segments and profiles in the column\'s own units', async () => {
    const { plain, formatted } = spendRows((x) => de.format(x));
    const opts = { k: 3, seed: 4, exclude: ['id', 'churn'], epochs: 5 };
    const a = await tl.presets.Segmenter.fit(plain, opts);
    const b = await tl.presets.Segmenter.fit(formatted, opts);
    expect(b.predict(formatted)).toEqual(a.predict(plain));
    expect(b.profiles().map((p) => p.numeric.spend)).toEqual(a.profiles().map((p) => p.numeric.spend));
  });
});
