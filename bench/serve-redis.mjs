// Redis Streams scoring: events/s and end-to-end latency of `tensorlift consume` (the churn
// model, batches of 64) on a local redis-server started for the run (loopback, no persistence).
//   throughput: N entries already in the stream, time until the last prediction is written
//   latency:    entries added at a steady rate below capacity; for each, the time from XADD
//               of the input to XADD of its prediction (the ms timestamps of the two entry ids)
//   node bench/serve-redis.mjs [entries=50000] [rate=2000/s] [consumers=1] [workers=0, per consumer] [model=churn|sentiment]
// sentiment: the SentimentModel on the bundled review sample, cached by bench/serve-workers.mjs's recipe.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { loadTensorlift, printTable, root } from './common.mjs';
import { benchModel, churnCsv, stop } from './serve-common.mjs';

const N = Number(process.argv[2] ?? 50_000), RATE = Number(process.argv[3] ?? 2000), CONSUMERS = Number(process.argv[4] ?? 1), WORKERS = Number(process.argv[5] ?? 0);
const TEXT = process.argv[6] === 'sentiment';
const reviewsCsv = join(root, 'test', 'fixtures', 'fine_foods_small.csv');
const model = TEXT ? await sentimentModel() : await benchModel();
async function sentimentModel() {
  const path = join(tmpdir(), 'tensorlift-bench-sentiment.safetensors');
  if (existsSync(path)) return path;
  const tl = await loadTensorlift();
  const m = await tl.presets.SentimentModel.fit((await tl.data.readCsv(reviewsCsv)).rows, { text: 'review', target: 'score', seed: 1 });
  await m.save(path);
  return path;
}
const port = await new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
const redisProc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
const client = createClient({ RESP: 2, url });
for (let i = 0; ; i++) {
  try { await client.connect(); break; } catch { if (i > 50) throw new Error('redis-server did not start'); await new Promise((r) => setTimeout(r, 100)); }
}
const cmd = (...a) => client.sendCommand(a.map(String));
const rows = TEXT ? (await (await loadTensorlift()).data.readCsv(reviewsCsv)).rows.map((r) => JSON.stringify({ review: r.review })) : churnRows();
function churnRows() {
  const [header, ...lines] = readFileSync(churnCsv, 'utf8').trim().split('\n');
  const cols = header.split(',').map((c) => JSON.parse(c));
  return lines.map((l) => { const v = l.split(',').map((x) => JSON.parse(x)); return JSON.stringify(Object.fromEntries(cols.map((c, i) => [c, v[i]]))); });
}
const waitLen = async (key, n) => { while (Number(await cmd('XLEN', key)) < n) await new Promise((r) => setTimeout(r, 20)); };
const consumers = async (stream, out) => Promise.all(Array.from({ length: CONSUMERS }, (_, k) =>
  startCliConsume(['consume', '--model', model, '--redis', url, '--stream', stream, '--group', 'g', '--out-stream', out, '--consumer', `c${k}`, '--batch', '64', '--block-ms', '100', '--workers', String(WORKERS)])));
function startCliConsume(args) {
  // Resolves once the consumer has joined its group (it prints "consuming ...").
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('../dist/cli/main.js', import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => /consuming/.test(String(d)) && resolve(child));
    child.on('exit', (c) => reject(new Error(`consume exited ${c}`)));
  });
}

// Throughput: a backlog of N entries.
for (let i = 0; i < N; i += 1000) await Promise.all(Array.from({ length: Math.min(1000, N - i) }, (_, k) => cmd('XADD', 'backlog', '*', 'row', rows[(i + k) % rows.length])));
const t0 = performance.now();
const c1 = await consumers('backlog', 'backlog:out');
await waitLen('backlog:out', N);
const seconds = (performance.now() - t0) / 1000;
await Promise.all(c1.map(stop));

// Latency: a steady stream at RATE entries/s for N / 5 entries.
const M = Math.min(N, Math.max(2000, Math.round(N / 5)));
const c2 = await consumers('live', 'live:out');
const start = performance.now();
for (let i = 0; i < M; i++) {
  const due = start + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  void cmd('XADD', 'live', '*', 'row', rows[i % rows.length]);
}
await waitLen('live:out', M);
await Promise.all(c2.map(stop));
const out = await cmd('XRANGE', 'live:out', '-', '+');
const lat = out.map(([id, f]) => Number(id.split('-')[0]) - Number(f[f.indexOf('id') + 1].split('-')[0])).sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
printTable(`Redis Streams, tensorlift consume x${CONSUMERS} (${TEXT ? 'SentimentModel' : 'ChurnModel'}, batch 64, --workers ${WORKERS}), redis-server on loopback`, ['measure', 'value'], [
  [`backlog of ${N} entries: events/s`, Math.round(N / seconds)],
  [`steady ${RATE}/s, ${M} entries: latency p50 ms`, q(0.5)],
  ['latency p99 ms', q(0.99)],
  ['latency max ms', lat.at(-1)],
]);
await client.quit();
redisProc.kill('SIGKILL');
