// conv2d speed beside PyTorch (CPU), rounds interleaved in one run:
//   conv2d N=32, C 32 -> 64, 32x32, 3x3, pad 1: forward; forward + backward
//   one fashion-mnist epoch (60,000 images, batch 64, SGD momentum) of the LeNet-style CNN of
//   bench/training.mjs (the real images when ../shared/data has them, else random ones)
// Why the old peer was slow (139-163 instead of ~390 GFLOP/s): not its threads but glibc.
// Each F.conv2d call allocates ~20 MB of temporaries (oneDNN's blocked copies of input and
// output, the output itself) above glibc's mmap threshold, and frees them, so every call
// page-faults 5,100 fresh pages (perf stat: 594k faults in 110 calls; 41k with the settings
// below, forward CPU time 12.8 -> 5.8 ms at 1 thread). PyTorch's own tuning guide swaps in
// jemalloc/tcmalloc for this; we keep glibc and set MALLOC_MMAP_THRESHOLD_ and
// MALLOC_TRIM_THRESHOLD_ so freed blocks are reused, and show the default-malloc figure too.
// Second, on this 2-core machine shared with other jobs, OpenMP's static split at 2 threads
// loses 2-4x whenever another process takes a core, and the old bench timed PyTorch in one
// window and us in another and took medians. Here each round times us and each PyTorch
// configuration back to back (order rotates), and the table shows the best of ROUNDS rounds.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { benchDir, fmt, loadTensorlift, printTable, python, root, torchMallocEnv } from './common.mjs';
import { CONV_FLOP, makeConvCase } from './conv-case.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const tl = await loadTensorlift();
const { nn, optim, losses } = tl;

/** PyTorch in a child process at a fixed thread count, answering one request a line. */
function startPeer(threads, reuseFreedMemory = true) {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (reuseFreedMemory) Object.assign(env, torchMallocEnv);
  const child = spawn(python, [join(benchDir, 'torch_peer.py'), String(threads)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    threads,
    async ask(req) {
      child.stdin.write(JSON.stringify(req) + '\n');
      const { value, done } = await lines.next();
      if (done) throw new Error(`torch peer (${threads} threads) exited: ${stderr.trim().split('\n').pop()}`);
      // libgomp's workers spin for a few ms after a parallel region: let them go to sleep
      // before our next timing so they do not steal its cores.
      await sleep(30);
      return JSON.parse(value).ms;
    },
    close: () => child.stdin.end(),
  };
}

const flop = CONV_FLOP;
const convCase = (backward) => makeConvCase(tl, backward);

function timeOurs(fn, reps, warmup = 3) {
  for (let i = 0; i < warmup; i++) fn();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return ms;
}

function fashionImages() {
  const file = join(root, '..', 'shared', 'data', 'fashion_mnist_train.csv.gz');
  if (!existsSync(file)) {
    const n = 60000, images = new Float32Array(n * 784), labels = new Int32Array(n);
    for (let i = 0; i < images.length; i++) images[i] = Math.random();
    for (let i = 0; i < n; i++) labels[i] = i % 10;
    return { n, images, labels, source: 'random images (../shared/data not found)' };
  }
  const rows = gunzipSync(readFileSync(file)).toString('latin1').split('\n').slice(1).filter((l) => l.length);
  const n = rows.length, images = new Float32Array(n * 784), labels = new Int32Array(n);
  rows.forEach((line, i) => {
    const v = line.split(',');
    labels[i] = Number(v[0]);
    for (let j = 0; j < 784; j++) images[i * 784 + j] = Number(v[j + 1]) / 255;
  });
  return { n, images, labels, source: 'fashion_mnist_train.csv.gz' };
}

function ourEpoch(images, labels, n) {
  tl.manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const t = performance.now();
  for (let i = 0; i < n; i += 64) {
    const b = Math.min(64, n - i);
    tl.tidy(() => {
      const x = tl.tensor(images.subarray(i * 784, (i + b) * 784), { shape: [b, 1, 28, 28] });
      const y = tl.tensor(labels.subarray(i, i + b), { shape: [b] });
      opt.zeroGrad();
      losses.crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
  }
  return performance.now() - t;
}

const min = (a) => Math.min(...a);
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

console.log(`conv2d and a fashion-mnist epoch beside PyTorch, ${new Date().toISOString()}, ${ROUNDS} interleaved rounds`);
const peers = [startPeer(1), startPeer(2), startPeer(2, false)];
try {
  for (const p of peers) await p.ask({ case: 'conv_fwd', reps: 1 });
} catch (e) {
  console.log(`bench: PyTorch peer did not start (${e.message}); install it: apt-get install python3-torch libopenblas0-pthread`);
  process.exit(0);
}

const cases = [['conv_fwd', convCase(false)], ['conv_fwd_bwd', convCase(true)]];
const best = {}; // best[case][who] = per-round minima
for (const [name] of cases) best[name] = { ours: [], t1: [], t2: [], t2d: [] };
for (let r = 0; r < ROUNDS; r++)
  for (const [name, fn] of cases) {
    // Rotate who goes first so none always follows the same neighbour.
    const order = [['ours'], ['t1', peers[0]], ['t2', peers[1]], ['t2d', peers[2]]];
    for (let k = 0; k < r % order.length; k++) order.push(order.shift());
    for (const [who, peer] of order) {
      const ms = peer ? await peer.ask({ case: name, reps: 3 }) : timeOurs(fn, 3);
      best[name][who].push(min(ms));
    }
  }

const gf = (ms, mult) => (mult * flop) / (ms / 1000) / 1e9;
const rows = [['conv_fwd', 'forward', 1], ['conv_fwd_bwd', 'forward + backward', 3]].map(([k, label, mult]) => {
  const b = best[k], ours = min(b.ours), t1 = min(b.t1), t2 = min(b.t2), torch = Math.min(t1, t2);
  return [label, fmt(ours, 2), fmt(t1, 2), fmt(t2, 2), fmt(min(b.t2d), 2), fmt(gf(ours, mult)), fmt(gf(torch, mult)), fmt(torch / ours, 2),
    [b.ours, b.t1, b.t2, b.t2d].map((v) => fmt(median(v), 2)).join(' / ')];
});
printTable(`conv2d N=32, 32 -> 64 channels, 32x32, 3x3, pad 1: ms, best of ${ROUNDS} interleaved rounds (GFLOP/s: forward + backward counts 3x the forward FLOPs)`,
  ['pass', 'tensorlift', 'PyTorch 1 thr', 'PyTorch 2 thr', '2 thr, default malloc', 'tensorlift GFLOP/s', 'PyTorch GFLOP/s', 'PyTorch / ours', 'medians, same columns'], rows);

if (process.env.BENCH_EPOCH !== '0') {
  const { n, images, labels, source } = fashionImages();
  const dir = mkdtempSync(join(tmpdir(), 'tl-bench-'));
  try {
    const req = { case: 'epoch', images: join(dir, 'x.f32'), labels: join(dir, 'y.i32'), n, reps: 1 };
    writeFileSync(req.images, images);
    writeFileSync(req.labels, labels);
    const ep = { ours: [], t1: [], t2: [] }, epochRounds = Number(process.env.BENCH_EPOCH_ROUNDS ?? 2);
    for (let r = 0; r < epochRounds; r++) {
      ep.ours.push(ourEpoch(images, labels, n));
      ep.t1.push((await peers[0].ask(req))[0]);
      ep.t2.push((await peers[1].ask(req))[0]);
    }
    const ours = min(ep.ours), torch = Math.min(min(ep.t1), min(ep.t2));
    printTable(`One epoch, LeNet-style CNN, ${n} images (${source}), batch 64, SGD momentum: seconds, best of ${epochRounds} interleaved rounds`,
      ['tensorlift', 'PyTorch 1 thr', 'PyTorch 2 thr', 'PyTorch / ours'],
      [[fmt(ours / 1000, 2), fmt(min(ep.t1) / 1000, 2), fmt(min(ep.t2) / 1000, 2), fmt(torch / ours, 2)]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const p of peers) p.close();
