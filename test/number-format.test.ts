// Numbers written for people ("1,234.5", "$1,234", "1.234,56 €", "56,95"): each format read
// against Intl.NumberFormat's own output of fresh random numbers (the independent reference),
// the per-column choice of convention, and presets trained on such columns giving the very
// predictions they give on the same numbers written plainly (identical features, same seed).
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { detectNumberFormat, parseFormatted } from '../lib/data/number-format.js';
import { inferColumn, inferSchema } from '../lib/data/schema.js';
import { valueProblem } from '../lib/serve/validate.js';
import { groupLog } from '../lib/presets/transactions.js';
import { churnRows, tempDir } from './helpers/boundary.js';
import { simulateLog } from '../bench/btyd.mjs';

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
    expect(parseFormatted('($1,234.50)', 'point')).toBe(-1234.5); // accounting
    expect(parseFormatted('\u22125,5', 'comma')).toBe(-5.5); // the Unicode minus (sv-SE, nb-NO)
    expect(parseFormatted("CHF 1'234.50", 'point')).toBe(1234.5);
    expect(parseFormatted('R$ 1.234,56', 'comma')).toBe(1234.56);
    expect(parseFormatted('1.234,56 EUR', 'comma')).toBe(1234.56);
    expect(parseFormatted('12,34,567.5', 'point')).toBe(1234567.5); // Indian lakh grouping
    expect(parseFormatted('0,125', 'comma')).toBe(0.125);
    for (const bad of ['', '-', '$', '--5', '-$-5', '1,23', '12,345,67', '1.5.5', '1 2', '12 apples', 'NA', '1,234.5.6', '1e5%', '9'.repeat(80), '$5€', '€5%', '0,125', '(-5)', '12 ABC'])
      expect(parseFormatted(bad, 'point'), bad).toBeUndefined();
    for (const bad of ['1.5', '1,2,3', '1.23,4', '1 23', '€', '1,234.5', '0.125'])
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
    expect(detectNumberFormat(['950 €', '1.200 €', '45.000 €'])).toBe('comma'); // dots and no commas: thousands
    expect(detectNumberFormat(['0,125', '1,5'])).toBe('comma'); // no thousands group starts with 0
    expect(detectNumberFormat(['$1,234', '-', '—', '12'])).toBe('point'); // a lone dash is a missing value
  });

  it('leaves identifiers alone: a different whole number on every row, with no decimals or units', () => {
    const ids = Array.from({ length: 80 }, (_, i) => ({ siren: `${700 + i} ${String(100 + 7 * i).padStart(3, '0')} ${String(300 + i).padStart(3, '0')}`, amount: `${(1000 + 37 * i).toLocaleString('en-US')}.50` }));
    expect(inferColumn(table(ids), 'siren').kind).toBe('id');
    expect(inferColumn(table(ids), 'amount')).toMatchObject({ kind: 'numeric', format: 'point' }); // decimals: an amount
    const dashed = table([{ x: '$1,234' }, { x: '-' }, { x: '$7' }]);
    expect(inferColumn(dashed, 'x')).toMatchObject({ kind: 'numeric', format: 'point', missing: 1 });
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
    // "1.5" is no decimal-comma number (beside "1.500", which is 1500): refused, not read as 1.5.
    expect(() => m.predict([{ ...formatted[0], spend: '1.5' }])).toThrow(/'1.5' is not a number as the training data wrote them/);
    expect(m.predict([{ ...formatted[0], spend: '-' }])[0]).toBeGreaterThan(0); // a dash: missing, imputed
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

  it('LifetimeValueModel on a log: the training log\'s amount format reads a later batch that alone would be ambiguous', async () => {
    const de = new Intl.NumberFormat('de-DE', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const log = simulateLog({ customers: 200, days: 365, joinDays: 180, seed: 5, params: { r: 0.75, alpha: 20, a: 0.8, b: 4, pSpend: 6, q: 4, gamma: 15 }, prefix: 'c' });
    const written = log.map((r) => ({ ...r, amount: de.format(Number(r.amount) * 100) }));
    const m = await tl.presets.LifetimeValueModel.fit(written, { customer: 'customer', time: 'day', amount: 'amount', horizonDays: 90, head: 'gbm', ensemble: 1, seed: 1 });
    expect(m.inputSchema.find((c) => c.name === 'amount')?.format).toBe('comma');
    // "1.250" alone reads as 1.25 in plain numbers; with the saved format it is 1250.
    const batch = [{ customer: 'x', day: 300, amount: '1.250' }, { customer: 'x', day: 320, amount: '2.500' }];
    expect(m.predict(batch)).toEqual(m.predict(batch.map((r) => ({ ...r, amount: Number(r.amount.replace('.', '')) }))));
    expect(groupLog({ rows: batch, columns: ['customer', 'day', 'amount'] }, { customer: 'customer', time: 'day', amount: 'amount' }).purchases.get('x')!.map((p) => p.amount)).toEqual([1.25, 2.5]);
  }, 60_000);

  it('Segmenter: the same segments and profiles in the column\'s own units', async () => {
    const { plain, formatted } = spendRows((x) => de.format(x));
    const opts = { k: 3, seed: 4, exclude: ['id', 'churn'], epochs: 5 };
    const a = await tl.presets.Segmenter.fit(plain, opts);
    const b = await tl.presets.Segmenter.fit(formatted, opts);
    expect(b.predict(formatted)).toEqual(a.predict(plain));
    expect(b.profiles().map((p) => p.numeric.spend)).toEqual(a.profiles().map((p) => p.numeric.spend));
  });
});
