// A free-text column inside a tabular preset: inferred as 'text' (or forced), encoded by the
// network beside the numeric and categorical features, used (the model is better with it than
// without it), and restored identically from the file.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { inferSchema } from '../lib/data/schema.js';
import { ChurnModel } from '../lib/presets/churn.js';
import { PropensityModel } from '../lib/presets/propensity.js';
import { LifetimeValueModel } from '../lib/presets/lifetime-value.js';
import { tempDir } from './helpers/boundary.js';

const t = tempDir('text-columns');

// Customers with a tenure and a last support ticket: churners complain, in English or German.
function customers(n: number, seed: number) {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const angry = ['I want to cancel my contract', 'your service is terrible and slow', 'ich kündige, viel zu teuer', 'billing error again, very unhappy'];
  const calm = ['how do I change my address please', 'thanks for the quick help', 'wie ändere ich mein Passwort bitte', 'can I add a second phone line'];
  return Array.from({ length: n }, () => {
    const tenure = Math.floor(rnd() * 60);
    const risk = 0.5 * (rnd() < 0.5 ? 1 : 0) + (tenure < 12 ? 0.25 : 0) + 0.25 * rnd();
    const churn = risk > 0.6 ? 'yes' : 'no';
    const upset = churn === 'yes' ? rnd() < 0.85 : rnd() < 0.15;
    return { tenure, plan: pick(['basic', 'plus', 'pro']), ticket: `${pick(upset ? angry : calm)}, ticket ${Math.floor(rnd() * 1000)}`, churn };
  });
}

describe('text columns in tabular presets', () => {
  const train = customers(600, 1), test = customers(300, 2);

  it('infers a long free-text column as text', () => {
    const schema = inferSchema({ rows: train, columns: Object.keys(train[0]) }, 'churn');
    expect(schema.find((c) => c.name === 'ticket')?.kind).toBe('text');
  });

  it('ChurnModel uses the text column (better than without it) and restores it identically', async () => {
    const withText = await ChurnModel.fit(train, { target: 'churn', ensemble: 2, epochs: 40 });
    const without = await ChurnModel.fit(train, { target: 'churn', ensemble: 2, epochs: 40, exclude: ['ticket'] });
    expect(withText.inputSchema).toContainEqual({ name: 'ticket', type: 'text' });
    const a = await withText.evaluate(test), b = await without.evaluate(test);
    expect(a.auc).toBeGreaterThan(b.auc + 0.05);
    expect(a.auc).toBeGreaterThan(0.8);
    const path = t.path('churn-text.safetensors');
    await withText.save(path);
    const again = (await tl.load(path)) as ChurnModel;
    expect(again.predict(test)).toEqual(withText.predict(test));
    // Odd texts score without crashing.
    const odd = ['', 'x'.repeat(100_000), '😀\uD800', null].map((ticket) => ({ ...test[0], ticket }));
    expect(again.predict(odd as never).every(Number.isFinite)).toBe(true);
    expect(() => again.predict([{ tenure: 3, plan: 'basic' }])).toThrow(/'ticket'/);
    const imp = await withText.importance(test, { repeats: 1 });
    expect(imp[0].column).toBe('ticket');
  }, 180_000);

  it('PropensityModel (more classes) reads a column forced to text', async () => {
    const rows = train.map((r) => ({ ...r, note: r.ticket.split(',')[0], offer: r.churn === 'yes' ? 'retention' : r.plan === 'pro' ? 'upsell' : 'no_offer' }));
    const m = await PropensityModel.fit(rows, { target: 'offer', exclude: ['churn', 'ticket'], columns: { note: 'text' }, ensemble: 1, epochs: 30 });
    expect(m.inputSchema).toContainEqual({ name: 'note', type: 'text' });
    const r = await m.evaluate(rows);
    expect(r.accuracy).toBeGreaterThan(0.7);
  }, 120_000);

  it('LifetimeValueModel reads a text column (the value is in the words) and restores it identically', async () => {
    let x = 3;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const rows = Array.from({ length: 500 }, () => {
      const big = rnd() < 0.5;
      return { visits: Math.floor(rnd() * 20), note: big ? `enterprise account, wants the premium bundle ${Math.floor(rnd() * 100)}` : `small shop, asked about the basic starter plan ${Math.floor(rnd() * 100)}`, value: (big ? 500 : 50) * (0.5 + rnd()) };
    });
    const m = await LifetimeValueModel.fit(rows.slice(0, 400), { target: 'value', ensemble: 2, epochs: 40 });
    expect(m.inputSchema).toContainEqual({ name: 'note', type: 'text' });
    expect((await m.evaluate(rows.slice(400))).spearman).toBeGreaterThan(0.6);
    const path = t.path('ltv-text.safetensors');
    await m.save(path);
    const again = (await tl.load(path)) as LifetimeValueModel;
    expect(again.predict(rows.slice(400))).toEqual(m.predict(rows.slice(400)));
  }, 120_000);
});
