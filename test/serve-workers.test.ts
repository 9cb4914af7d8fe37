// Scoring on worker threads (lib/serve/worker-pool.ts, tl.serve's `workers`): the same answers
// as predict(rows) for a text model and a tabular one, over real HTTP under concurrency; a
// worker stopped in the middle of a batch fails only that batch and is replaced; a reload
// scores with the new file on new workers and stops the old ones; close() stops them all;
// and what cannot be scored on workers is refused in one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import type { Server } from '../lib/serve/http.js';
import { Batcher } from '../lib/serve/batcher.js';
import { reloadModel } from '../lib/serve/models.js';
import { WorkerPool } from '../lib/serve/worker-pool.js';
import { churnRows, smallModel, tempDir } from './helpers/boundary.js';
import { post, stubPredictor, waitFor } from './helpers/serve.js';

const t = tempDir('serve-workers');
const intentsFile = new URL('../data/lead_intents.csv', import.meta.url).pathname;
let intent: tl.presets.IntentClassifier;
let churn: tl.presets.ChurnModel;
const features = churnRows(120, 5).map(({ churn: _c, ...r }) => r);
const exited = (w: { once(e: 'exit', f: () => void): unknown }) => new Promise<void>((r) => w.once('exit', () => r()));

beforeAll(async () => {
  const rows = (await tl.data.readTable(intentsFile)).rows;
  intent = await tl.presets.IntentClassifier.fit(rows, { text: 'text', target: 'intent', ensemble: 1, epochs: 5 });
  churn = await smallModel(churnRows(300, 7));
  await intent.save(t.path('intent.safetensors'));
}, 120_000);

describe('tl.serve with workers', () => {
  let server: Server;
  afterAll(() => server?.close());

  it('answers what predict(rows) gives, for a text and a tabular model, many requests at once', async () => {
    server = await tl.serve({ intent: t.path('intent.safetensors'), churn }, { port: 0, workers: 2 });
    const texts = ['how much is the pro plan', 'book a demo for tuesday', 'Bitte keine E-Mails mehr', '', '🙂🙂 pricing?', 'x'.repeat(20_000)]
      .flatMap((s, i) => [s, `${s} ${i}`]).map((text) => ({ text }));
    const [a, b] = await Promise.all([
      Promise.all(texts.map((row) => post(`${server.url}/v1/models/intent/predict`, { rows: [row] }))),
      Promise.all(features.map((row, i) => post(`${server.url}/v1/models/churn/predict`, { rows: i % 4 ? [row] : [row, row] }))),
    ]);
    expect(a.map((r) => r.status)).toEqual(texts.map(() => 200));
    expect(a.map((r) => r.body.predictions[0])).toEqual(JSON.parse(JSON.stringify(intent.predict(texts))));
    const want = churn.predict(features);
    b.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body.predictions[0]).toBe(want[i]);
    });
  }, 60_000);

  it('still refuses a bad request in one line before it reaches a worker', async () => {
    const r = await post(`${server.url}/v1/models/churn/predict`, { rows: [{ ...features[0], tenure: 'soon' }] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/tenure/);
  });

  it('reloads a file model onto new workers and stops the old ones', async () => {
    const some = (await tl.data.readTable(intentsFile)).rows.slice(0, 120);
    const other = await tl.presets.IntentClassifier.fit(some, { text: 'text', target: 'intent', ensemble: 1, epochs: 2, seed: 9 });
    await other.save(t.path('intent.safetensors'));
    await server.reload('intent');
    const rows = [{ text: 'can I get a quote' }, { text: 'unsubscribe' }];
    const r = await post(`${server.url}/v1/models/intent/predict`, { rows });
    expect(r.body.predictions).toEqual(JSON.parse(JSON.stringify(other.predict(rows))));
    // The model swapped out is closed (its workers stop once their batches are done).
    let closed = 0;
    const entry = { name: 'intent', path: t.path('intent.safetensors'), predictor: { ...stubPredictor(), close: async () => void closed++ }, reloading: Promise.resolve() };
    const next = await reloadModel(entry);
    expect(closed).toBe(1);
    expect(entry.predictor).toBe(next);
  }, 60_000);

  it('refuses workers for a model that cannot be saved, and a bad count', async () => {
    await expect(tl.serve({ stub: stubPredictor() }, { port: 0, workers: 1 })).rejects.toThrow(/scoring on workers needs a preset/);
    await expect(tl.serve(churn, { port: 0, workers: -1 })).rejects.toThrow(/workers must be an integer from 0 to 256/);
    await expect(tl.serve(churn, { port: 0, workers: 1.5 })).rejects.toThrow(/workers must be an integer/);
  });
});

describe('WorkerPool', () => {
  it('fails only the batch of a worker stopped mid-batch, replaces the worker, and stops every worker on close', async () => {
    const pool = await WorkerPool.start((file) => intent.save(file), 2);
    const rows = Array.from({ length: 3000 }, (_, i) => ({ text: `please send me the price list for ${i} seats `.repeat(30) }));
    const first = pool.threads[0];
    const running = pool.predict(rows); // the least busy worker: both are idle, the first takes it
    await new Promise((r) => setTimeout(r, 50));
    await first.terminate();
    await expect(running).rejects.toThrow(/a scoring worker stopped \(exit code 1\) while scoring this batch/);
    await waitFor(() => pool.running === 2 && !pool.threads.includes(first));
    const small = [{ text: 'book a demo' }, { text: 'how much' }];
    for (let k = 0; k < 4; k++) expect(await pool.predict(small)).toEqual(JSON.parse(JSON.stringify(intent.predict(small))));
    const threads = pool.threads;
    const gone = Promise.all(threads.map(exited));
    await pool.close();
    await gone;
    await expect(pool.predict(small)).rejects.toThrow(/the scoring pool is closed/);
  }, 60_000);

  it('rejects in one line, leaving nothing running, when its workers cannot load the model', async () => {
    const bad = t.file('broken.safetensors', Buffer.from('not a model file'));
    await expect(WorkerPool.start(bad, 2)).rejects.toThrow(/broken\.safetensors/);
    await expect(WorkerPool.start(t.path('missing.safetensors'), 1)).rejects.toThrow(/missing\.safetensors/);
    await expect(WorkerPool.start(bad, 0)).rejects.toThrow(/workers must be an integer from 1 to 256/);
  }, 60_000);
});

describe('Batcher with concurrency', () => {
  it('runs up to `concurrency` batches at once, never more, each of at most maxBatch rows, and close() waits for all', async () => {
    let running = 0, most = 0;
    const sizes: number[] = [];
    const b = new Batcher(async (rows) => {
      most = Math.max(most, ++running);
      sizes.push(rows.length);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return rows.map((r) => (r as { i: number }).i * 2);
    }, { maxBatch: 8, maxDelayMs: 1, concurrency: 3 });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => b.submit([{ i }])));
    expect(answers.map((a) => a[0])).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    expect(most).toBe(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8);
    const late = b.submit([{ i: 7 }]);
    await b.close();
    expect(await late).toEqual([14]);
    expect(running).toBe(0);
    expect(() => new Batcher(async () => [], { concurrency: 0 })).toThrow(/concurrency must be an integer >= 1/);
  });
});
