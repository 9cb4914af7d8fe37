// npm run bench:cuda [-- --json FILE] [--quick]   (plain node on a GPU machine: no dev dependencies)
//
// tensorlift on the GPU beside PyTorch on the same GPU in the same run (bench/torch_cuda.py):
// GEMM at every precision (fp32, TF32, fp32 'medium', bf16 tensors), conv2d at fp32 and at TF32
// on both sides, memory-bound elementwise ops, softmax and row sums, batch norm (small and
// large spatial sizes), Adam steps over many parameters, and whole training steps.
//
// Method (the same in torch_cuda.py): each sample runs `reps` calls back to back between two
// synchronizations, reps chosen so a sample lasts about 25 ms; the figure is the median time
// per call over 7 samples. Launch overhead is thus hidden wherever the GPU is the bottleneck,
// as in real work, on both sides alike. ratio = PyTorch time / tensorlift time (> 1: faster).
//
// Without a GPU it says why and exits 0; with TENSORLIFT_REQUIRE_CUDA=1 it exits 1 instead.
// --json FILE also writes every table and raw figure as JSON (used by npm run gpu:check).
// --dry-run runs every workload once at toy sizes on the CPU (the PyTorch peer too, where
// PyTorch is installed): a check of both scripts on machines without a GPU; its figures mean nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tl = await import(join(here, '..', 'dist', 'index.js'));
const argv = process.argv.slice(2);
const jsonPath = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : process.env.BENCH_JSON;
const quick = argv.includes('--quick');
const dry = argv.includes('--dry-run');
const status = dry ? { ...tl.cuda.status(), device: 'none (dry run on the CPU)', computeCapability: '-', cublas: '-' } : tl.cuda.status();
if (!status.available && !dry) {
  const required = process.env.TENSORLIFT_REQUIRE_CUDA === '1';
  console.log(`bench:cuda: ${required ? 'FAILED' : 'skipped'}, CUDA is unavailable: ${status.reason}`);
  process.exit(required ? 1 : 0);
}
const sizes = (process.env.BENCH_SIZES ?? (dry ? '64' : quick ? '1024,4096' : '1024,2048,4096,8192')).split(',').map(Number);
const D = dry ? 'cpu' : 'cuda';
const setPrecision = (p) => (dry ? undefined : setPrecision(p));
const matmulBf16 = (a, b, reps) => (dry ? tl.matmul(a, b) : matmulBf16(a, b, reps));
const toy = (shape) => (dry ? shape.map((d, i) => (i === 1 ? Math.min(d, 8) : Math.min(d, 12))) : shape);
// The workloads, sent to torch_cuda.py too so both sides run exactly these.
const convShapes = quick ? [['N=32, 32->64, 32x32, 3x3 pad 1', [32, 32, 32, 32], [64, 32, 3, 3]]]
  : [['N=32, 32->64, 32x32, 3x3 pad 1', [32, 32, 32, 32], [64, 32, 3, 3]], ['N=32, 64->64, 56x56, 3x3 pad 1', [32, 64, 56, 56], [64, 64, 3, 3]]];
const bnShapes = [['BatchNorm1d [8192, 512]', [8192, 512]], ['BatchNorm2d [256, 64, 4, 4]', [256, 64, 4, 4]], ['BatchNorm2d [32, 64, 56, 56]', [32, 64, 56, 56]]];
// Names carry the totals.
const millions = (shapes) => (shapes.reduce((t, s) => t + s.reduce((a, b) => a * b, 1), 0) / 1e6).toFixed(1);
const small = Array.from({ length: 300 }, (_, i) => [1024 * (1 + (i * 37) % 64)]);
const layers = Array.from({ length: 6 }, () => [[1024, 1024], [1024], [4096, 1024], [4096], [1024, 4096], [1024], [3072, 1024], [3072]]).flat();
const adamSets = [[`300 tensors of 1k-64k elements (${millions(small)}M)`, small], [`6 transformer layers d=1024 (48 tensors, ${millions(layers)}M)`, layers]];
const n = dry ? 1 << 12 : quick ? 1 << 22 : 1 << 24;
const memoryOps = ['a + b', 'a * 2 (scalar)', 'relu(a)', 'sigmoid(a)', 'softmax [4096, 4096] dim -1', 'sum [4096, 4096] dim -1'];
const config = { sizes, quick, targetMs: dry ? 0.01 : 25, samples: dry ? 1 : 7, n, m: dry ? 64 : 4096, memory: memoryOps,
  conv: convShapes.map(([name, xs, ws]) => [name, toy(xs), toy(ws)]), batchnorm: bnShapes.map(([name, s]) => [name, toy(s)]),
  adam: adamSets.map(([name, shapes]) => [name, shapes.map(toy)]) };

const sync = () => (dry ? undefined : tl.cuda.synchronize());
/** Median ms per call of fn (see the method above); fn must leave nothing allocated. */
function time(fn, per = 1) {
  for (let i = 0; i < 3; i++) fn();
  sync();
  let t = performance.now();
  fn();
  sync();
  const once = performance.now() - t;
  const reps = Math.max(1, Math.min(1000, Math.round(config.targetMs / Math.max(once, 1e-3))));
  const samples = [];
  for (let s = 0; s < config.samples; s++) {
    t = performance.now();
    for (let i = 0; i < reps; i++) fn();
    sync();
    samples.push((performance.now() - t) / reps / per);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

// The first Python whose PyTorch can use the GPU (the CPU in a dry run): PYTHON, then Debian's
// interpreter (where apt installs PyTorch), then whatever python3 / python come first on PATH.
function findPython() {
  const check = dry ? 'import torch' : 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)';
  const candidates = [process.env.PYTHON, '/usr/bin/python3', 'python3', 'python'].filter((c) => c && (!c.startsWith('/') || existsSync(c)));
  for (const c of candidates) if (spawnSync(c, ['-c', check], { stdio: 'ignore' }).status === 0) return c;
  return candidates[0] ?? 'python3';
}
const python = findPython();
console.log('bench:cuda: running the PyTorch peer ...');
// In a dry run the peer runs too, on the CPU (TL_BENCH_TORCH_DEVICE), to check that script.
const peer = spawnSync(python, [join(here, 'torch_cuda.py')], { input: JSON.stringify(config), encoding: 'utf8', maxBuffer: 1 << 24,
  env: dry ? { ...process.env, TL_BENCH_TORCH_DEVICE: 'cpu' } : process.env });
const torch = peer.status === 0 ? JSON.parse(peer.stdout.trim().split('\n').pop()) : null;
if (!torch) console.log(`bench:cuda: the PyTorch peer did not run: ${(peer.stderr || peer.error?.message || '').trim().split('\n').pop()}`);

const fmt = (v, d = 1) => (v == null || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
const ratio = (ours, theirs) => (ours && theirs ? (theirs / ours).toFixed(2) : 'n/a');
const tables = [], raw = { ours: {}, torch };
function table(title, headers, rows, notes = []) {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  tables.push({ title, lines, notes });
  console.log(`\n${title}\n\n${lines.join('\n')}${notes.length ? `\n${notes.map((n) => `  (${n})`).join('\n')}` : ''}`);
}
const header = `GPU ${status.device} (sm_${status.computeCapability}), cuBLAS ${status.cublas}, PyTorch ${torch?.torch ?? 'n/a'} ` +
  `(cuDNN ${torch?.cudnn ?? 'n/a'}), Node ${process.version}, ${new Date().toISOString()}`;
console.log(`\n${header}`);

// ---- GEMM
const modes = [['fp32', 'highest'], ['tf32', 'high'], ['medium', 'medium'], ['bf16', null]];
const gemmRows = [];
raw.ours.gemm = {};
for (const n of sizes) {
  const a = tl.randn([n, n], { device: D }), b = tl.randn([n, n], { device: D });
  const cells = [String(n)];
  raw.ours.gemm[n] = {};
  for (const [mode, precision] of modes) {
    let ms;
    if (precision) {
      setPrecision(precision);
      ms = time(() => tl.matmul(a, b).dispose());
    } else {
      const reps = n <= 2048 ? 50 : 10;  // amortizes the three bf16 conversions of each call
      ms = time(() => matmulBf16(a, b, reps).dispose(), reps);
    }
    raw.ours.gemm[n][mode] = ms;
    const tf = (x) => (x ? (2 * n ** 3) / (x / 1000) / 1e12 : null);
    cells.push(fmt(tf(ms)), fmt(tf(torch?.gemm?.[n]?.[mode])), ratio(ms, torch?.gemm?.[n]?.[mode]));
  }
  gemmRows.push(cells);
  a.dispose();
  b.dispose();
}
setPrecision('highest');
table('GEMM n x n x n, TFLOP/s (ratio = PyTorch time / ours)',
  ['n', 'fp32 ours', 'fp32 torch', 'ratio', 'tf32 ours', 'tf32 torch', 'ratio', 'medium ours', 'medium torch', 'ratio', 'bf16 ours', 'bf16 torch', 'ratio'],
  gemmRows, [
    "fp32: TF32 off on both sides (setMatmulPrecision('highest'); torch allow_tf32 = False, float32 matmul precision 'highest')",
    "tf32: 'high' on both sides; medium: float32 tensors at 'medium' on both sides (ours: cuBLAS COMPUTE_32F_FAST_16BF)",
    'bf16: bf16 operands and output, fp32 accumulation. tensorlift tensors have no bf16 dtype yet, so ours goes through the internal ' +
    'tl.cuda.matmulBf16 path (cuBLAS GemmEx, bf16 in and out); its time includes converting the operands once per 10-50 products',
  ]);

// ---- conv2d, the same math mode on both sides
const convRows = [];
raw.ours.conv = {};
for (const [name, xs, ws] of config.conv) {
  const flop = 2 * xs[0] * ws[0] * xs[2] * xs[3] * ws[1] * ws[2] * ws[3];
  const x = tl.randn(xs, { device: D, requiresGrad: true }), w = tl.randn(ws, { device: D, requiresGrad: true });
  for (const [mode, precision] of [['fp32', 'highest'], ['tf32', 'high']]) {
    setPrecision(precision);
    const fwd = time(() => tl.tidy(() => { tl.noGrad(() => tl.conv2d(x, w, null, { padding: 1 })); }));
    const fb = time(() => tl.tidy(() => { tl.conv2d(x, w, null, { padding: 1 }).sum().backward(); x.zeroGrad(); w.zeroGrad(); }));
    const t = torch?.conv?.[name]?.[mode];
    raw.ours.conv[`${name} ${mode}`] = { fwd, fb };
    convRows.push([name, mode, fmt(flop / fwd / 1e9, 1), fmt(t && flop / t.fwd / 1e9, 1), ratio(fwd, t?.fwd),
      fmt((3 * flop) / fb / 1e9, 1), fmt(t && (3 * flop) / t.fb / 1e9, 1), ratio(fb, t?.fb)]);
  }
  x.dispose();
  w.dispose();
}
setPrecision('highest');
table('conv2d TFLOP/s (fwd+bwd counts 3x the forward)', ['shape', 'math', 'fwd ours', 'fwd torch', 'ratio', 'fwd+bwd ours', 'fwd+bwd torch', 'ratio'], convRows, [
  "fp32: TF32 off on both sides (ours setMatmulPrecision('highest'); torch cudnn.allow_tf32 = False); tf32: on for both ('high'; cudnn.allow_tf32 = True)",
  'ours: im2col + cuBLAS GEMM; PyTorch: cuDNN with cudnn.benchmark = True (its fastest algorithm per shape)',
]);

// ---- memory-bound ops
const u = tl.randn([n], { device: D }), v = tl.randn([n], { device: D });
const m2 = tl.randn([config.m, config.m], { device: D });
const memFns = [
  [12 * n, () => tl.add(u, v).dispose()],
  [8 * n, () => tl.mul(u, 2).dispose()],
  [8 * n, () => tl.relu(u).dispose()],
  [8 * n, () => tl.sigmoid(u).dispose()],
  [8 * 4096 * 4096, () => m2.softmax(-1).dispose()],
  [4 * 4096 * 4096, () => m2.sum(-1).dispose()],
];
const memOps = memoryOps.map((name, i) => [name, ...memFns[i]]);
raw.ours.memory = {};
const memRows = memOps.map(([name, bytes, fn]) => {
  const ms = time(fn), t = torch?.memory?.[name];
  raw.ours.memory[name] = ms;
  return [name, fmt(ms * 1000, 1), fmt(t && t * 1000, 1), fmt(bytes / ms / 1e6, 0), fmt(t && bytes / t / 1e6, 0), ratio(ms, t)];
});
table(`Memory-bound ops, ${n.toLocaleString('en-US')} float32 elements (GB/s = bytes read + written / time)`,
  ['op', 'us ours', 'us torch', 'GB/s ours', 'GB/s torch', 'ratio'], memRows);
[u, v, m2].forEach((t) => t.dispose());

// ---- batch norm, training forward + backward
raw.ours.batchnorm = {};
const bnRows = config.batchnorm.map(([name, shape]) => {
  const x = tl.randn(shape, { device: D, requiresGrad: true });
  const c = shape[1], w = tl.ones([c], { device: D, requiresGrad: true }), b = tl.zeros([c], { device: D, requiresGrad: true });
  const rm = tl.zeros([c], { device: D }), rv = tl.ones([c], { device: D });
  const ms = time(() => tl.tidy(() => { tl.batchNorm(x, rm, rv, w, b, true).sum().backward(); x.zeroGrad(); w.zeroGrad(); b.zeroGrad(); }));
  raw.ours.batchnorm[name] = ms;
  [x, w, b, rm, rv].forEach((t) => t.dispose());
  return [name, fmt(ms * 1000, 1), fmt(torch?.batchnorm?.[name] && torch.batchnorm[name] * 1000, 1), ratio(ms, torch?.batchnorm?.[name])];
});
table('Batch norm, training forward + backward (us)', ['shape', 'ours', 'torch', 'ratio'], bnRows,
  ['spatial sizes below 32 use column tiles (coalesced reads along the channels) for the statistics']);

// ---- Adam over many parameters
raw.ours.adam = {};
const adamRows = config.adam.map(([name, shapes]) => {
  const ps = shapes.map((s) => {
    const p = tl.randn(s, { device: D, requiresGrad: true });
    p.grad = tl.keep(tl.randn(s, { device: D }));
    return p;
  });
  const opt = new tl.optim.Adam(ps, { lr: 1e-3 });
  const ms = time(() => opt.step());
  opt.dispose();
  ps.forEach((p) => { p.grad.dispose(); p.dispose(); });
  raw.ours.adam[name] = ms;
  const t = torch?.adam?.[name];
  return [name, fmt(ms * 1000, 0), fmt(t && t.foreach * 1000, 0), ratio(ms, t?.foreach), fmt(t && t.fused * 1000, 0), ratio(ms, t?.fused)];
});
table('Adam step (us): ours launches one kernel per 32 tensors', ['parameters', 'ours', 'torch foreach', 'ratio', 'torch fused', 'ratio'], adamRows);

// ---- training steps
const { nn, optim, losses } = tl;
tl.setDefaultDevice(D);
const steps = {};
{
  const m = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 1));
  const o = new optim.Adam(m.parameters(), { lr: 1e-3 });
  const x = tl.randn([256, 64]), y = tl.rand([256, 1]).gt(0.5).float();
  steps.mlp = time(() => tl.tidy(() => { o.zeroGrad(); losses.binaryCrossEntropyWithLogits(m.forward(x), y).backward(); o.step(); }));
}
{
  const m = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(),
    new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
  const o = new optim.SGD(m.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = tl.randn([64, 1, 28, 28]), y = tl.randint(0, 10, [64]);
  steps.lenet = time(() => tl.tidy(() => { o.zeroGrad(); losses.crossEntropy(m.forward(x), y).backward(); o.step(); }));
}
{
  const enc = new nn.TransformerEncoderLayer(256, 8, { dimFeedforward: 1024, dropout: 0 }), head = new nn.Linear(256, 2);
  const o = new optim.AdamW([...enc.parameters(), ...head.parameters()], { lr: 1e-4 });
  const x = tl.randn([32, 128, 256]), y = tl.randint(0, 2, [32]);
  steps.transformer = time(() => tl.tidy(() => { o.zeroGrad(); losses.crossEntropy(head.forward(enc.forward(x).mean(1)), y).backward(); o.step(); }));
}
tl.setDefaultDevice('cpu');
raw.ours.steps = steps;
table('Training step (ms)', ['model', 'ours', 'torch', 'ratio'],
  [['mlp', 'MLP 64-256-256-1, batch 256, Adam'], ['lenet', 'LeNet-style CNN, batch 64, SGD momentum'], ['transformer', 'Transformer encoder layer d=256, 8 heads, seq 128, batch 32, AdamW']]
    .map(([k, name]) => [name, fmt(steps[k], 3), fmt(torch?.steps?.[k], 3), ratio(steps[k], torch?.steps?.[k])]),
  ['fp32 everywhere; PyTorch eager mode with its default (foreach) optimizers']);

if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify({ header, status, config, tables, raw }, null, 2)}\n`);
