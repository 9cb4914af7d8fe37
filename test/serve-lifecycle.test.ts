// tl.serve over real HTTP, the parts with time in them: dynamic batching (concurrent requests
// share forward passes, up to maxBatch rows), overload (503 + Retry-After once the queue is
// full), graceful close (every request already received is answered), and reloading a model
// file without dropping a request.
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { churnRows, smallModel, tempDir } from './helpers/boundary.js';
import { get, post, queueDepth, stubPredictor, waitFor } from './helpers/serve.js';

const features = churnRows(64, 5).map(({ churn: _c, ...r }) => r);

describe('dynamic batching', () => {
  it('scores concurrent requests together, never more than maxBatch rows at once', async () => {
    const calls: number[] = [];
    const server = await tl.serve({ stub: stubPredictor(5, calls) }, { port: 0, maxBatch: 16, maxDelayMs: 5 });
    try {
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => post(`${server.url}/predict`, { rows: [{ x: i }] })));
      answers.forEach((a, i) => expect(a.body.predictions).toEqual([2 * i]));
      expect(calls.reduce((a, b) => a + b, 0)).toBe(100);
      expect(Math.max(...calls)).toBeLessThanOrEqual(16);
      expect(calls.length).toBeLessThan(30); // batched: far fewer passes than requests
    } finally {
      await server.close();
    }
  });

  it('maxBatch 1 scores each request on its own; a request above maxBatch runs whole', async () => {
    const calls: number[] = [];
    const server = await tl.serve({ stub: stubPredictor(1, calls) }, { port: 0, maxBatch: 1 });
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => post(`${server.url}/predict`, { rows: [{ x: i }] })));
      expect(calls).toEqual(Array(10).fill(1));
      const big = await post(`${server.url}/predict`, { rows: [{ x: 1 }, { x: 2 }, { x: 3 }] });
      expect(big.body.predictions).toEqual([2, 4, 6]);
      expect(calls.at(-1)).toBe(3);
    } finally {
      await server.close();
    }
  });
});

describe('overload', () => {
  it('answers 503 with Retry-After once maxQueue rows wait, and serves the rest', async () => {
    const server = await tl.serve({ stub: stubPredictor(50) }, { port: 0, maxBatch: 2, maxQueue: 4, retryAfterS: 3 });
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => post(`${server.url}/predict`, { rows: [{ x: i }] })));
      const refused = answers.filter((a) => a.status === 503);
      const served = answers.filter((a) => a.status === 200);
      expect(refused.length).toBeGreaterThan(0);
      expect(served.length).toBeGreaterThan(0);
      expect(refused.length + served.length).toBe(30);
      expect(refused[0].headers.get('retry-after')).toBe('3');
      expect(refused[0].body.error).toMatch(/^overloaded: \d+ rows are waiting; retry shortly$/);
      // Once the flood is over the server answers normally.
      expect((await post(`${server.url}/predict`, { rows: [{ x: 1 }] })).status).toBe(200);
      expect((await get(`${server.url}/metrics`)).body).toMatch(/tensorlift_http_requests_total\{route="\/predict",model="stub",status="503"\} [1-9]/);
    } finally {
      await server.close();
    }
  });
});

describe('graceful close', () => {
  it('answers every request already received, then refuses connections', async () => {
    const calls: number[] = [];
    const server = await tl.serve({ stub: stubPredictor(100, calls) }, { port: 0, maxBatch: 4 });
    await post(`${server.url}/predict`, { rows: [{ x: 0 }] }); // connections warm
    calls.length = 0;
    const inFlight = Array.from({ length: 20 }, (_, i) => post(`${server.url}/predict`, { rows: [{ x: i }] }));
    await waitFor(async () => calls.length > 0 && (await queueDepth(server.url)) + calls.reduce((a, b) => a + b, 0) === 20);
    const closing = server.close();
    const answers = await Promise.all(inFlight);
    await closing;
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    answers.forEach((a, i) => expect(a.body.predictions).toEqual([2 * i]));
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await server.close(); // twice is fine
  });

  it('ends keep-alive connections with the answers given while closing', async () => {
    const calls: number[] = [];
    const server = await tl.serve({ stub: stubPredictor(200, calls) }, { port: 0 });
    await post(`${server.url}/predict`, { rows: [{ x: 0 }] });
    const slow = post(`${server.url}/predict`, { rows: [{ x: 1 }] });
    await waitFor(async () => calls.length === 2);
    const closing = server.close();
    const t0 = performance.now();
    const slowAnswer = await slow;
    expect(slowAnswer.status).toBe(200);
    expect(slowAnswer.headers.get('connection')).toBe('close');
    await closing;
    expect(performance.now() - t0).toBeLessThan(2000); // not held open by an idle keep-alive connection
  });
});

describe('reload', () => {
  const t = tempDir('serve-reload');

  it('swaps in the file model without dropping requests; a bad file keeps the old model', async () => {
    const a = await smallModel(churnRows(300, 1));
    const b = await tl.presets.ChurnModel.fit(churnRows(300, 2), { target: 'churn', ensemble: 1, epochs: 3, seed: 9, onWarning: () => {} });
    const path = t.path('m.safetensors');
    await a.save(path);
    const server = await tl.serve({ churn: path, inline: a }, { port: 0 });
    try {
      const url = `${server.url}/v1/models/churn`;
      expect((await post(`${url}/predict`, { rows: features })).body.predictions).toEqual(a.predict(features));
      await b.save(path);
      // Requests keep flowing while the reload happens: every one is answered by a or b.
      const flow = Array.from({ length: 60 }, (_, i) => post(`${url}/predict`, { rows: [features[i % 64]] }));
      const reload = await post(`${url}/reload`, {});
      const answers = await Promise.all(flow);
      expect(reload.status).toBe(200);
      expect(reload.body).toEqual({ model: 'churn', kind: 'churn', reloaded: true });
      expect(answers.map((r) => r.status)).toEqual(Array(60).fill(200));
      expect((await post(`${url}/predict`, { rows: features })).body.predictions).toEqual(b.predict(features));

      t.file('m.safetensors', 'not a model');
      const bad = await post(`${url}/reload`, {});
      expect(bad.status).toBe(500);
      expect(bad.body.error).toMatch(/^reload failed, still serving the previous model: /);
      expect((await post(`${url}/predict`, { rows: features })).body.predictions).toEqual(b.predict(features));

      const inline = await post(`${server.url}/v1/models/inline/reload`, {});
      expect(inline.status).toBe(409);
      expect(inline.body.error).toMatch(/given as an object, not a file/);
      expect((await get(`${server.url}/metrics`)).body).toMatch(/tensorlift_model_reloads_total\{model="churn",result="error"\} 1/);
    } finally {
      await server.close();
    }
  });
});
