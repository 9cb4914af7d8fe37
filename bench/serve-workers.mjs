// HTTP serving of a text model on worker threads (`tensorlift serve --workers N`): one review per
// request, 64 concurrent connections (autocannon, loopback), against the same server scoring on
// its own thread (--workers 0), run alternately in the same invocation. A text model tokenizes
// and runs its networks in JavaScript and native calls on the thread that scores, so without
// workers every batch blocks the server's event loop; the loop lag p99 (prom-client, reset by a
// scrape just before) shows it. Model: the default SentimentModel fitted on the bundled sample
// (test/fixtures/fine_foods_small.csv), cached in the OS temp dir.
//   node bench/serve-workers.mjs [requests=6000] [rounds=2] [workers=1,2]
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTensorlift, printTable, root } from './common.mjs';
import { hammer, lagP99, startCli, stop } from './serve-common.mjs';

const REQUESTS = Number(process.argv[2] ?? 6000);
const ROUNDS = Number(process.argv[3] ?? 2);
const WORKERS = (process.argv[4] ?? '1,2').split(',').map(Number);
const tl = await loadTensorlift();
const sample = join(root, 'test', 'fixtures', 'fine_foods_small.csv');
const { rows } = await tl.data.readCsv(sample);

async function benchModel() {
  const path = join(tmpdir(), 'tensorlift-bench-sentiment.safetensors');
  if (existsSync(path)) return path;
  const m = await tl.presets.SentimentModel.fit(rows, { text: 'review', target: 'score', seed: 1 });
  await m.save(path);
  return path;
}

const model = await benchModel();
const bodies = rows.slice(0, 300).map((r) => JSON.stringify({ rows: [{ review: r.review }] }));
const meanChars = rows.slice(0, 300).reduce((s, r) => s + String(r.review).length, 0) / 300;

async function run(workers) {
  const { child, url } = await startCli(['serve', '--model', `sentiment=${model}`, '--port', '0', '--workers', String(workers)]);
  try {
    const { result: r, seconds } = await hammer(url, bodies, { warmup: 600, amount: REQUESTS, onStart: () => lagP99(url) });
    return { rps: r.requests.total / seconds, errors: r.errors + r.timeouts + r.non2xx, p50: r.latency.p50, p99: r.latency.p99, lag: await lagP99(url) };
  } finally {
    await stop(child);
  }
}

const settings = [0, ...WORKERS];
const results = Object.fromEntries(settings.map((w) => [w, []]));
for (let k = 0; k < ROUNDS; k++) for (const w of settings) results[w].push(await run(w));
const best = (w) => results[w].reduce((a, b) => (b.rps > a.rps ? b : a));
console.log(`${new Date().toISOString()}, ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}; reviews of ${meanChars.toFixed(0)} characters on average`);
printTable(`HTTP, SentimentModel, one review per request, 64 connections, ${REQUESTS} requests (best of ${ROUNDS} rounds)`,
  ['server', 'req/s', 'vs --workers 0', 'errors', 'p50 ms', 'p99 ms', 'loop lag p99 ms'],
  settings.map((w) => {
    const r = best(w);
    return [`--workers ${w}`, r.rps.toFixed(0), (r.rps / best(0).rps).toFixed(2), r.errors, r.p50.toFixed(1), r.p99.toFixed(1), r.lag.toFixed(1)];
  }));

// Scoring alone, no HTTP and no load generator: 64-review batches, as the batcher forms them,
// predicted inline one after the other against a pool of N workers kept N batches busy. This
// is the cores a server can use for scoring, which the HTTP run above cannot show on a machine
// whose other core runs autocannon.
const { WorkerPool } = await import(join(root, 'dist', 'serve', 'worker-pool.js'));
const m = await tl.load(model);
const batches = Array.from({ length: 40 }, (_, b) => rows.slice((b * 64) % 700, ((b * 64) % 700) + 64).map((r) => ({ review: r.review })));
const timeInline = () => {
  const t0 = performance.now();
  for (const b of batches) m.predict(b);
  return (performance.now() - t0) / 1000;
};
async function timePool(pool) {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: pool.size }, async () => {
    while (next < batches.length) await pool.predict(batches[next++]);
  }));
  return (performance.now() - t0) / 1000;
}
const pools = [];
for (const w of WORKERS) pools.push(await WorkerPool.start(model, w));
const times = { inline: [], ...Object.fromEntries(WORKERS.map((w) => [w, []])) };
for (let k = 0; k < 3; k++) {
  times.inline.push(timeInline());
  for (const p of pools) times[p.size].push(await timePool(p));
}
await Promise.all(pools.map((p) => p.close()));
const bestOf = (a) => Math.min(...a);
printTable(`Scoring alone: ${batches.length} batches of 64 reviews (best of 3, alternating)`, ['scorer', 'reviews/s', 'vs inline'],
  [['inline (model.predict)', (batches.length * 64 / bestOf(times.inline)).toFixed(0), '1.00'],
    ...WORKERS.map((w) => [`pool of ${w}`, (batches.length * 64 / bestOf(times[w])).toFixed(0), (bestOf(times.inline) / bestOf(times[w])).toFixed(2)])]);

// File scoring: `tensorlift predict` of the sample's reviews repeated to FILE_ROWS rows, CSV in
// and out, --workers 0 against --workers N (the CLI process timed end to end, model load and
// worker start-up included), best of 2 alternating.
const { spawnSync } = await import('node:child_process');
const { writeFileSync } = await import('node:fs');
const FILE_ROWS = Number(process.env.FILE_ROWS ?? 20000);
const csvIn = join(tmpdir(), 'tensorlift-bench-reviews.csv');
const quote = (v) => `"${String(v).replace(/"/g, '""')}"`;
writeFileSync(csvIn, 'review\n' + Array.from({ length: FILE_ROWS }, (_, i) => quote(rows[i % rows.length].review)).join('\n') + '\n');
const cli = join(root, 'dist', 'cli', 'main.js');
const timePredict = (w) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'predict', '--model', model, '--in', csvIn, '--out', join(tmpdir(), `tensorlift-bench-reviews-${w}.csv`), '--workers', String(w)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return (performance.now() - t0) / 1000;
};
const fileSettings = [0, ...WORKERS];
const fileTimes = Object.fromEntries(fileSettings.map((w) => [w, []]));
for (let k = 0; k < 2; k++) for (const w of fileSettings) fileTimes[w].push(timePredict(w));
printTable(`tensorlift predict, ${FILE_ROWS} reviews, CSV to CSV (best of 2, alternating)`, ['command', 'seconds', 'reviews/s', 'vs --workers 0'],
  fileSettings.map((w) => [`--workers ${w}`, bestOf(fileTimes[w]).toFixed(2), (FILE_ROWS / bestOf(fileTimes[w])).toFixed(0), (bestOf(fileTimes[0]) / bestOf(fileTimes[w])).toFixed(2)]));
