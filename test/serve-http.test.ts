// tl.serve over real HTTP: the same values as predict(rows), in row order under concurrency;
// every failure a client can cause answers its status and a one-line { error } (bad JSON,
// wrong types, missing columns, huge bodies, unknown models and routes); health, readiness
// and Prometheus metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import type { Server } from '../lib/serve/http.js';
import { churnRows, smallModel } from './helpers/boundary.js';
import { get, post, stubPredictor } from './helpers/serve.js';

let model: tl.presets.ChurnModel;
let server: Server;
const rows = churnRows(200, 3);
const features = rows.map(({ churn: _c, ...r }) => r);

beforeAll(async () => {
  model = await smallModel(churnRows(300, 7));
  server = await tl.serve({ churn: model, stub: stubPredictor() }, { port: 0, bodyLimit: 64 * 1024, maxRows: 500 });
});
afterAll(async () => {
  await server?.close();
});

describe('tl.serve: predictions', () => {
  it('answers the values of predict(rows), in row order', async () => {
    const r = await post(`${server.url}/v1/models/churn/predict`, { rows: features.slice(0, 20) });
    expect(r.status).toBe(200);
    expect(r.body.predictions).toEqual(model.predict(features.slice(0, 20)));
  });

  it('keeps each request its own rows when many are batched together', async () => {
    const answers = await Promise.all(features.map((row, i) => post(`${server.url}/v1/models/churn/predict`, { rows: i % 3 ? [row] : [row, features[(i + 1) % features.length]] })));
    const expected = model.predict(features);
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      expect(a.body.predictions[0]).toBeCloseTo(expected[i], 6);
      if (i % 3 === 0) expect(a.body.predictions[1]).toBeCloseTo(expected[(i + 1) % features.length], 6);
    });
  });

  it('ignores extra columns and treats null / "" as missing values, as predict does', async () => {
    const row = { ...features[0], extra: 'x', tenure: null, spend: '' };
    const r = await post(`${server.url}/v1/models/churn/predict`, { rows: [row] });
    expect(r.status).toBe(200);
    expect(r.body.predictions).toEqual(model.predict([row]));
  });

  it('POST /predict needs a single model; /v1/models lists every model with its schema', async () => {
    const r = await post(`${server.url}/predict`, { rows: [features[0]] });
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/2 models are served; POST to \/v1\/models\/<name>\/predict \(churn, stub\)/);
    const list = await get(`${server.url}/v1/models`);
    expect(list.body.models.map((m: { name: string }) => m.name)).toEqual(['churn', 'stub']);
    expect(list.body.models[0]).toMatchObject({ kind: 'churn', outputColumns: ['probability'] });
    expect(list.body.models[0].inputSchema).toContainEqual({ name: 'tenure', type: 'number' });
    expect(list.body.models[0].inputSchema).toContainEqual({ name: 'plan', type: 'string' });
  });

  it('serves one model at /predict too', async () => {
    const one = await tl.serve(model, { port: 0 });
    try {
      expect(one.models).toEqual(['churn']);
      const r = await post(`${one.url}/predict`, { rows: features.slice(0, 3) });
      expect(r.body.predictions).toEqual(model.predict(features.slice(0, 3)));
    } finally {
      await one.close();
    }
  });
});

describe('tl.serve: bad requests answer one line and never break the server', () => {
  const url = () => `${server.url}/v1/models/churn/predict`;
  const cases: [string, () => [unknown, Record<string, string>?], number, RegExp][] = [
    ['bad JSON', () => ['{"rows": [', undefined], 400, /^the body is not valid JSON/],
    ['an empty body', () => ['', undefined], 400, /empty|JSON/i],
    ['not JSON at all', () => ['rows=1', { 'content-type': 'text/plain' }], 415, /Content-Type: application\/json/],
    ['a JSON array', () => [[features[0]]], 400, /must be a JSON object \{ "rows"/],
    ['no rows key', () => [{ row: features[0] }], 400, /needs "rows": an array of row objects$/],
    ['rows not an array', () => [{ rows: 'abc' }], 400, /needs "rows": an array of row objects, got "abc"/],
    ['no rows', () => [{ rows: [] }], 400, /"rows" is empty/],
    ['a row that is not an object', () => [{ rows: [features[0], 42] }], 400, /^row 1: expected an object of column values, got 42/],
    ['a missing column', () => [{ rows: [features[0], { ...features[1], tenure: undefined }] }], 400, /^row 1: missing column 'tenure'$/],
    ['a word in a number column', () => [{ rows: [{ ...features[0], spend: 'lots' }] }], 400, /^row 0, column 'spend': expected a number, got "lots"$/],
    ['an object as a value', () => [{ rows: [{ ...features[0], plan: { a: 1 } }] }], 400, /^row 0, column 'plan': expected a label, got an object$/],
    ['an array as a number', () => [{ rows: [{ ...features[0], tenure: [1] }] }], 400, /^row 0, column 'tenure': expected a number, got an array$/],
    ['prototype poisoning', () => ['{"rows":[{"__proto__":{"x":1}}]}', undefined], 400, /./],
    ['too many rows', () => [{ rows: Array(501).fill(features[0]) }], 413, /501 rows in one request; at most 500/],
    ['a huge body', () => [{ rows: [{ ...features[0], note: 'x'.repeat(100_000) }] }], 413, /larger than the limit of 65536 bytes/],
  ];
  for (const [name, make, status, pattern] of cases)
    it(`${name} -> ${status}`, async () => {
      const [body, headers] = make();
      const r = await post(url(), body, headers);
      expect(r.status).toBe(status);
      expect(typeof r.body.error).toBe('string');
      expect(r.body.error).not.toContain('\n');
      expect(r.body.error).toMatch(pattern);
    });

  it('unknown models and routes answer 404', async () => {
    const r = await post(`${server.url}/v1/models/nope/predict`, { rows: [features[0]] });
    expect(r.status).toBe(404);
    expect(r.body.error).toBe("no model named 'nope' (served: churn, stub)");
    const g = await get(`${server.url}/v2/whatever`);
    expect(g.status).toBe(404);
    expect(g.body.error).toBe('no route GET /v2/whatever');
  });

  it('a batch that fails for one request fails only that request', async () => {
    const answers = await Promise.all([1, 2, -1, 4, 5].map((x) => post(`${server.url}/v1/models/stub/predict`, { rows: [{ x }] })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 500, 200, 200]);
    expect(answers[2].body.error).toBe('prediction failed: x = -1 breaks this model');
    expect(answers[3].body.predictions).toEqual([8]);
  });

  it('is still healthy after all that', async () => {
    expect((await get(`${server.url}/health`)).body).toEqual({ status: 'ok' });
    const ready = await get(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', models: ['churn', 'stub'] });
  });
});

describe('tl.serve: /metrics', () => {
  it('counts requests by model and status, and reports latency, batch sizes, queue depth and event-loop lag', async () => {
    await post(`${server.url}/v1/models/churn/predict`, { rows: features.slice(0, 4) });
    await post(`${server.url}/v1/models/churn/predict`, { rows: [{}] });
    const m = await get(`${server.url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    const text = m.body as string;
    expect(text).toMatch(/^tensorlift_http_requests_total\{route="\/v1\/models\/:name\/predict",model="churn",status="200"\} \d+/m);
    expect(text).toMatch(/^tensorlift_http_requests_total\{route="\/v1\/models\/:name\/predict",model="churn",status="400"\} \d+/m);
    expect(text).toMatch(/^tensorlift_http_requests_total\{route="\/v1\/models\/:name\/predict",model="-",status="404"\} \d+/m);
    expect(text).toMatch(/^tensorlift_http_request_duration_seconds_bucket\{le="0.005",route="\/v1\/models\/:name\/predict",model="churn"\} \d+/m);
    expect(text).toMatch(/^tensorlift_batch_rows_bucket\{le="4",model="churn"\} \d+/m);
    expect(text).toMatch(/^tensorlift_queue_depth\{model="churn"\} 0/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
  });
});
