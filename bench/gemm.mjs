// SGEMM throughput: tensorlift's own GEMM vs OpenBLAS (NumPy) and tfjs-backend-wasm, on one
// thread and on all cores, square n x n float32 matrices. Prints GFLOP/s and ratios.
import { availableParallelism } from 'node:os';
import { fmt, loadTensorlift, loadTfjsWasm, medianMs, printTable, runPython } from './common.mjs';

const sizes = (process.env.BENCH_SIZES ?? '64,128,256,512,1024,2048').split(',').map(Number);
const tl = await loadTensorlift();
const tf = await loadTfjsWasm();
const cores = availableParallelism();
const gflops = (n, ms) => (2 * n ** 3) / (ms / 1000) / 1e9;

async function ours(n, threads) {
  tl.setNumThreads(threads);
  tl.manualSeed(1);
  const a = tl.randn([n, n]), b = tl.randn([n, n]);
  const ms = await medianMs(`tensorlift ${n}`, () => tl.matmul(a, b).dispose());
  a.dispose();
  b.dispose();
  return gflops(n, ms);
}

async function tfjs(n) {
  if (!tf) return null;
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  const ms = await medianMs(`tfjs-wasm ${n}`, () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }, { time: n >= 1024 ? 1500 : 600 });
  a.dispose();
  b.dispose();
  return gflops(n, ms);
}

console.log(`SGEMM, ${new Date().toISOString()}, gemm kernels: ${tl.getNumThreads() && (await import('../dist/native.js')).native.gemmIsa()}`);
for (const threads of [...new Set([1, cores])]) {
  const rows = [];
  const blas = runPython('openblas_gemm.py', sizes, threads) ?? {};
  for (const n of sizes) rows.push([n, await ours(n, threads), blas[n], threads === 1 ? await tfjs(n) : null]);
  printTable(
    `SGEMM GFLOP/s, ${threads} thread${threads > 1 ? 's' : ''} (tfjs-wasm is single-threaded in Node)`,
    ['n', 'tensorlift', 'OpenBLAS', 'tfjs-wasm', 'tensorlift / OpenBLAS'],
    rows.map(([n, o, b, t]) => [n, fmt(o), fmt(b), fmt(t), b ? fmt(o / b, 2) : 'n/a']),
  );
}
tl.setNumThreads(cores);
