// Shared pieces of the benchmark suites: loading tensorlift and the peers, timing with
// tinybench, and printing tables. Peers run in the same invocation so ratios compare like
// with like on a shared, noisy machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const root = join(benchDir, '..');

export async function loadTensorlift() {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('bench: build first (npm run build)');
  return import(join(root, 'dist', 'index.js'));
}

/** tfjs-core with the WASM backend, installed on demand into bench/peers (never a dependency). */
export async function loadTfjsWasm() {
  const peers = join(benchDir, 'peers');
  if (!existsSync(join(peers, 'node_modules', '@tensorflow', 'tfjs'))) {
    console.log('bench: installing @tensorflow/tfjs-backend-wasm into bench/peers ...');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--silent'], { cwd: peers, stdio: 'inherit' });
    if (r.status !== 0) return null;
  }
  const require = createRequire(join(peers, 'package.json'));
  // The full @tensorflow/tfjs bundle (pure JS) registers the gradients and chained methods that
  // tfjs-core alone lacks; the WASM backend is then selected explicitly.
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  return tf;
}

/** onnxruntime-node (CPU), installed on demand into bench/peers without its GPU download step. */
export async function loadOnnxRuntime() {
  const peers = join(benchDir, 'peers');
  if (!existsSync(join(peers, 'node_modules', 'onnxruntime-node'))) {
    console.log('bench: installing onnxruntime-node into bench/peers ...');
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' };
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--silent'], { cwd: peers, stdio: 'inherit', env });
    if (r.status !== 0) return null;
  }
  try {
    return createRequire(join(peers, 'package.json'))('onnxruntime-node');
  } catch (e) {
    console.log(`bench: onnxruntime-node did not load (${String(e.message).split('\n')[0]})`);
    return null;
  }
}

/**
 * Runs a Python peer script (NumPy on OpenBLAS) and returns its JSON output, or null with a
 * note when python3/numpy is missing. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed:
 * set on some machines, they pin OpenBLAS to a slower kernel.
 */
// Debian's interpreter is the one apt installs NumPy and PyTorch into (a pyenv or venv
// python3 earlier on PATH usually lacks them); PYTHON overrides.
export const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

export function runPython(script, args, threads, extraEnv = {}) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), ...extraEnv };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(python, [join(benchDir, script), ...args.map(String)], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`bench: ${script} did not run (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); ` +
      'install NumPy with OpenBLAS: apt-get install python3-numpy libopenblas0-pthread');
    return null;
  }
  return JSON.parse(r.stdout);
}

/**
 * Environment for a PyTorch peer: glibc keeps freed blocks for reuse. Without it every conv
 * call page-faults its ~20 MB of fresh temporaries (bench/conv.mjs explains the finding).
 */
export const torchMallocEnv = { MALLOC_MMAP_THRESHOLD_: String(1 << 30), MALLOC_TRIM_THRESHOLD_: String(1 << 30) };

/** Median time in ms of fn, measured by tinybench. */
export async function medianMs(name, fn, { time = 600, warmupTime = 150 } = {}) {
  const bench = new Bench({ time, warmupTime, iterations: 3 });
  bench.add(name, fn);
  await bench.run();
  const task = bench.tasks[0];
  if (task.result.state !== 'completed') throw task.result.error ?? new Error(`bench: ${name} failed`);
  return task.result.latency.p50;
}

export function printTable(title, headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padStart(widths[i])).join(' | ') + ' |';
  console.log(`\n${title}\n`);
  console.log(line(headers));
  console.log('|' + widths.map((w) => '-'.repeat(w + 1) + ':').join('|') + '|');
  for (const r of rows) console.log(line(r));
}

export const fmt = (v, digits = 1) => (v == null || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));

/**
 * Rows of strings (as readCsv gives them) as a JSON request body carries them: numeric cells
 * as numbers, through JSON.parse as a server parses a body (its objects, not ones built here).
 */
export function asJsonNumbers(rows) {
  return JSON.parse(JSON.stringify(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v])))));
}

/**
 * (pre, encoded) -> the boosted trees' feature columns and kinds, as the presets build them
 * (lib/presets/value-gbm.ts treeColumns: numeric values, NaN where the indicator says missing,
 * then categorical codes), for benches that boost trees beside a preset.
 */
export async function loadTreeColumns() {
  const { treeColumns } = await import(pathToFileURL(join(root, 'dist', 'presets', 'value-gbm.js')).href);
  return (pre, e) => treeColumns({ n: e.n, numeric: e.numeric, numericWidth: pre.numericWidth, categorical: e.categorical, cardinalities: pre.cardinalities }, pre.numericColumns.map((c) => c.indicator));
}
