// IntentClassifier on the bundled, illustrative lead-qualification intents: plain strings in,
// { intent, confidence } out, null below the calibrated threshold, evaluation with
// out-of-scope rows, the file round trip, and serving over HTTP through the preset contract.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { IntentClassifier, calibrateThreshold } from '../lib/presets/intent.js';
import { tempDir } from './helpers/boundary.js';

const data = new URL('../data/lead_intents.csv', import.meta.url).pathname;
const t = tempDir('intent');

describe('IntentClassifier', () => {
  let model: IntentClassifier;

  it('classifies chatbot messages given as plain strings, in several languages', async () => {
    model = await IntentClassifier.fit(data, { text: 'text', target: 'intent' });
    expect(model.classes).toHaveLength(8);
    expect(model.threshold).toBeGreaterThanOrEqual(1 / 8);
    expect(model.threshold).toBeLessThan(1);
    const p = model.predict(['how much does the pro plan cost?', 'can we book a demo', 'please unsubscribe me', 'Bitte keine E-Mails mehr']);
    expect(p.map((x) => x.intent)).toEqual(['pricing', 'demo', 'unsubscribe', 'unsubscribe']);
    for (const x of p) expect(x.confidence).toBeGreaterThan(model.threshold);
    expect(model.describe()).toMatch(/out of scope \(intent null\) below confidence 0\.\d+/);
    // 93 short messages: the blend keeps a linear member that reads character n-grams too.
    expect(model.describe()).toMatch(/blended with logistic/);
    expect(model.linears[0].spec.charNgrams).toBe(true);
    const odd = model.predict(['x'.repeat(100_000), 'word '.repeat(50_000), '😀'.repeat(30_000), '', 'ab\uD800cd']);
    expect(odd.every((x) => Number.isFinite(x.confidence) && x.confidence > 0 && x.confidence <= 1)).toBe(true);
  }, 60_000);

  it('answers null below the threshold, and evaluates out-of-scope rows', async () => {
    // A training message verbatim reaches 0.99999 (the linear member), but no confidence reaches 1.
    const strict = model.predict(['how much does it cost?', 'zzzz qqqq'], { threshold: 1 });
    expect(strict.every((x) => x.intent === null)).toBe(true);
    expect(model.predict([''])[0].confidence).toBeLessThan(0.9);
    const r = await model.evaluate([
      { text: 'what does it cost per seat', intent: 'pricing' },
      { text: 'I would like a product demo', intent: 'demo' },
      { text: 'asdf qwer zxcv', intent: 'out_of_scope' },
    ]);
    expect(r.rows).toBe(3);
    expect(r.coverage).toBeGreaterThan(0);
    expect(r.outOfScopeRecall).toBeDefined();
    expect(r.accuracy).toBeGreaterThanOrEqual(1 / 3);
  });

  it('calibrates the threshold as a quantile of correct held-out confidences', () => {
    const probs = Float32Array.from([0.9, 0.1, 0.6, 0.4, 0.2, 0.8, 0.7, 0.3]);
    // Correct rows (labels 0, 0, 1, 1): confidences 0.9, 0.6, 0.8 and 0.3 is wrong (predicted 0).
    expect(calibrateThreshold(probs, [0, 0, 1, 1], 2, 1)).toBeCloseTo(0.6, 6);
    expect(calibrateThreshold(probs, [0, 0, 1, 1], 2, 0.34)).toBeCloseTo(0.8, 6);
    expect(calibrateThreshold(probs, [1, 1, 0, 1], 2, 0.95)).toBe(0.5); // none correct: the uniform 1/classes
  });

  it('restores identical predictions and threshold from its file, and serves them over HTTP', async () => {
    const path = t.path('intent.safetensors');
    await model.save(path);
    const again = (await tl.load(path)) as IntentClassifier;
    const msgs = ['send me the pricing sheet', 'We are 40 people', 'the app crashes', '', '😀'];
    expect(again.predict(msgs)).toEqual(model.predict(msgs));
    expect(again.threshold).toBe(model.threshold);
    const server = await tl.serve(again, { port: 0 });
    try {
      const res = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: msgs.map((text) => ({ text })) }) });
      expect(res.status).toBe(200);
      expect((await res.json()).predictions).toEqual(JSON.parse(JSON.stringify(model.predict(msgs))));
      const bad = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [{ message: 'hi' }] }) });
      expect(bad.status).toBe(400);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('refuses a bad threshold', async () => {
    await expect(IntentClassifier.fit(data, { text: 'text', target: 'intent', threshold: 2 })).rejects.toThrow(/threshold must be/);
    expect(() => model.predict(['hi'], { threshold: 2 })).toThrow(/predict: threshold must be a number from 0 to 1, got 2/);
    expect(() => model.predict(['hi'], { threshold: '0.5' as never })).toThrow(/threshold must be/);
  });
});
