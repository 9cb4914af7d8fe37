// Memory-bound ops on large tensors: effective bandwidth (bytes read + written per second)
// of tensorlift beside NumPy and tfjs-backend-wasm. `copy` is the bandwidth yardstick.
import { availableParallelism } from 'node:os';
import { fmt, loadTensorlift, loadTfjsWasm, medianMs, printTable, runPython } from './common.mjs';

const N = Number(process.env.BENCH_ELEMENTS ?? 1 << 24);
const ROWS = 4096;
const tl = await loadTensorlift();
const tf = await loadTfjsWasm();
const cores = availableParallelism();

tl.manualSeed(3);
const a = tl.randn([N]), b = tl.randn([N]);
const m = a.reshape([ROWS, N / ROWS]);
// [name, bytes moved, tensorlift op, tfjs op]
const ops = [
  ['copy', 8 * N, () => a.clone(), (x) => tf.clone(x.a)],
  ['add', 12 * N, () => a.add(b), (x) => tf.add(x.a, x.b)],
  ['mul scalar', 8 * N, () => a.mul(2), (x) => tf.mul(x.a, 2)],
  ['exp', 8 * N, () => a.exp(), (x) => tf.exp(x.a)],
  ['sigmoid', 8 * N, () => a.sigmoid(), (x) => tf.sigmoid(x.a)],
  ['tanh', 8 * N, () => a.tanh(), (x) => tf.tanh(x.a)],
  ['sum', 4 * N, () => a.sum(), (x) => tf.sum(x.a)],
  ['sum rows', 4 * N, () => m.sum(1), (x) => tf.sum(x.m, 1)],
  ['sum cols', 4 * N, () => m.sum(0), (x) => tf.sum(x.m, 0)],
  ['max rows', 4 * N, () => m.max(1), (x) => tf.max(x.m, 1)],
  ['softmax rows', 8 * N, () => m.softmax(1), (x) => tf.softmax(x.m)],
];

const tfx = tf && (() => {
  const ta = tf.randomNormal([N]);
  return { a: ta, b: tf.randomNormal([N]), m: tf.reshape(ta, [ROWS, N / ROWS]) };
})();

console.log(`Elementwise and reductions, ${N} float32 elements (${(N * 4) / 2 ** 20} MiB per tensor), ${new Date().toISOString()}`);
const np = runPython('numpy_elementwise.py', [N, ROWS], cores) ?? {};
const rows = [];
for (const [name, bytes, ours, theirs] of ops) {
  tl.setNumThreads(1);
  const one = await medianMs(name, () => ours().dispose());
  tl.setNumThreads(cores);
  const all = await medianMs(name, () => ours().dispose());
  const tfMs = tfx ? await medianMs(name, () => { const r = theirs(tfx); r.dataSync(); r.dispose(); }) : null;
  const gbs = (ms) => (ms ? bytes / (ms / 1000) / 1e9 : null);
  rows.push([name, fmt(gbs(one)), fmt(gbs(all)), fmt(gbs(np[name])), fmt(gbs(tfMs)), np[name] ? fmt(np[name] / all, 2) : 'n/a']);
}
printTable('GB/s (bytes read + written / time)', ['op', 'tensorlift 1 thread', `tensorlift ${cores} threads`, 'NumPy', 'tfjs-wasm', 'NumPy time / ours'], rows);
