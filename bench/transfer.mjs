// Bulk transfers between JS typed arrays and tensors, 16M floats (64 MB), beside what plain
// JS does with the same bytes in the same run: a fresh Float32Array + set() (the page faults
// of fresh memory bound it) and set() into an array allocated once.
//   tl.tensor(Float32Array)  copy into tensor memory (the allocator reuses faulted blocks)
//   t.dataSync()             copy out into a pooled block handed to JS as an ArrayBuffer
//   t.dataSync(into)         copy out into the caller's array
//   await t.data()           the same off the JS thread
// Each call is timed on its own with event-loop turns in between (as a server has them): the
// pooled blocks of dataSync() return when V8 collects the arrays handed out.
import { availableParallelism } from 'node:os';
import { fmt, loadTensorlift, printTable } from './common.mjs';

const tl = await loadTensorlift();
const N = 16 * 1024 * 1024, BYTES = N * 4;
const REPS = Number(process.env.BENCH_REPS ?? 30);
const src = Float32Array.from({ length: N }, (_, i) => i % 1000);
const turn = () => new Promise((r) => setImmediate(r));

async function medianGBs(fn) {
  const times = [];
  for (let i = 0; i < REPS + 3; i++) {
    await turn();
    const t0 = process.hrtime.bigint();
    const r = fn();
    if (r && typeof r.then === 'function') await r;
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (i >= 3) times.push(dt); // the first calls fault the pool's blocks in
  }
  times.sort((a, b) => a - b);
  return BYTES / times[Math.floor(times.length / 2)] / 1e9;
}

const t = tl.tensor(src);
const into = new Float32Array(N);
const reused = new Float32Array(N);
const cases = [
  ['JS: new Float32Array(n) + set()', () => new Float32Array(N).set(src)],
  ['JS: set() into an array allocated once', () => reused.set(src)],
  ['tl.tensor(Float32Array) + dispose', () => tl.tensor(src).dispose()],
  ['t.dataSync()', () => t.dataSync()],
  ['t.dataSync(into)', () => t.dataSync(into)],
  ['await t.data()', () => t.data()],
  ['await t.data(into)', () => t.data(into)],
];
console.log(`Bulk transfers of ${N} float32 values (64 MB), ${new Date().toISOString()}, ${availableParallelism()} cores, median of ${REPS}`);
const rows = [];
for (const [name, fn] of cases) rows.push([name, fmt(await medianGBs(fn), 2)]);
const check = t.dataSync();
if (check[12345] !== src[12345] || check[N - 1] !== src[N - 1]) throw new Error('bench: transfer returned wrong values');
printTable('GB/s (higher is better)', ['transfer', 'GB/s'], rows);
