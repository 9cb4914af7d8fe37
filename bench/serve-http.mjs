// HTTP serving throughput: one row per request, 64 concurrent connections (autocannon, a fixed
// number of requests, loopback only), against `tensorlift serve` with dynamic batching
// (maxBatch 64) and the same server with maxBatch 1, run alternately in the same invocation.
// Reports requests/s, latency p50/p99, errors, and the server's event-loop lag p99 during the
// run (prom-client's gauge, reset by a scrape just before).
//   node bench/serve-http.mjs [requests=20000] [rounds=2]
import { readFileSync } from 'node:fs';
import { benchModel, churnCsv, hammer, lagP99, startCli, stop } from './serve-common.mjs';
import { printTable } from './common.mjs';

const REQUESTS = Number(process.argv[2] ?? 20000);
const ROUNDS = Number(process.argv[3] ?? 2);
const model = await benchModel();
const [header, ...lines] = readFileSync(churnCsv, 'utf8').trim().split('\n');
const cols = header.split(',').map((c) => JSON.parse(c));
// Distinct bodies (one row each), so no layer can cache an answer.
const bodies = lines.slice(0, 200).map((l) => {
  const v = l.split(',').map((x) => JSON.parse(x));
  return JSON.stringify({ rows: [Object.fromEntries(cols.map((c, i) => [c, v[i]]))] });
});

/** CPU seconds the server process has used (Linux /proc): what a request costs the server, whoever is the bottleneck. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return NaN;
  }
}

async function run(maxBatch) {
  const { child, url } = await startCli(['serve', '--model', `churn=${model}`, '--port', '0', '--max-batch', String(maxBatch)]);
  try {
    let cpu0 = 0;
    const { result: r, seconds } = await hammer(url, bodies, { warmup: 2000, amount: REQUESTS, onStart: async () => {
      await lagP99(url);
      cpu0 = cpuSeconds(child.pid);
    } });
    const cpuUs = ((cpuSeconds(child.pid) - cpu0) / r.requests.total) * 1e6;
    const lag = await lagP99(url);
    return {
      rps: r.requests.total / seconds, total: r.requests.total, errors: r.errors + r.timeouts + r.non2xx,
      p50: r.latency.p50, p99: r.latency.p99, lag, cpuUs,
    };
  } finally {
    await stop(child);
  }
}

const results = { 64: [], 1: [] };
for (let k = 0; k < ROUNDS; k++) for (const mb of [64, 1]) results[mb].push(await run(mb));
const best = (mb) => results[mb].reduce((a, b) => (b.rps > a.rps ? b : a));
const rows = [64, 1].map((mb) => {
  const r = best(mb);
  return [`maxBatch ${mb}`, r.total, r.rps.toFixed(0), r.errors, r.p50.toFixed(1), r.p99.toFixed(1), r.lag.toFixed(1), r.cpuUs.toFixed(0)];
});
printTable(`HTTP, one row per request, 64 connections, ${REQUESTS} requests (best of ${ROUNDS} rounds)`,
  ['server', 'requests', 'req/s', 'errors', 'p50 ms', 'p99 ms', 'loop lag p99 ms', 'server CPU us/req'], rows);
console.log(`server CPU per request, maxBatch 1 / maxBatch 64: ${(best(1).cpuUs / best(64).cpuUs).toFixed(2)}x (the capacity ratio once the load generator is not the bottleneck)`);
console.log(`batching speed-up: ${(best(64).rps / best(1).rps).toFixed(2)}x (per round: ${results[64].map((r, k) => (r.rps / results[1][k].rps).toFixed(2)).join(', ')})`);
