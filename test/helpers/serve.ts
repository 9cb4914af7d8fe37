// Shared by the serve-*.test.ts files: JSON over real HTTP, and stub predictors whose speed
// and failures a test controls (to fill queues, hold requests in flight, fail one request).
import type { Row } from '../../lib/data/table.js';
import type { Predictor } from '../../lib/serve/predictor.js';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> {
  const r = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

export async function get(url: string): Promise<Answer> {
  const r = await fetch(url);
  const text = await r.text();
  return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: r.headers };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A predictor of one number column 'x' that answers x * 2 after `delayMs` (off the event loop,
 * as predictAsync would), and fails the whole batch when a row has x = -1.
 */
export function stubPredictor(delayMs = 0, calls: number[] = []): Predictor<number> {
  const predict = (rows: Row[]) => {
    if (rows.some((r) => r.x === -1)) throw new Error('x = -1 breaks this model');
    return rows.map((r) => Number(r.x) * 2);
  };
  return {
    kind: 'stub', inputSchema: [{ name: 'x', type: 'number' }], outputColumns: ['double'],
    predict,
    predictAsync: async (rows) => {
      calls.push(rows.length);
      if (delayMs) await sleep(delayMs);
      return predict(rows);
    },
    toJSON: (p) => p,
    toColumns: (p) => [p],
  };
}

/** Polls `cond` every 5 ms until it holds (or throws after `ms`). */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await sleep(5);
  }
}

/** Rows waiting in a server's batchers (from /metrics). */
export async function queueDepth(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^tensorlift_queue_depth\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
}
