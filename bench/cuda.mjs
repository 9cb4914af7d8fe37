// npm run bench:cuda (plain node on a GPU machine: no dev dependencies needed). GEMM TFLOP/s
// (fp32, TF32, bf16 tensor cores), conv2d, and training steps (MLP, LeNet-style CNN, a
// Transformer encoder layer) beside PyTorch on the same GPU in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tl = await import(join(here, '..', 'dist', 'index.js'));
const status = tl.cuda.status();
if (!status.available) {
  console.log(`bench:cuda: skipped, CUDA is unavailable: ${status.reason}`);
  process.exit(0);
}
const sizes = (process.env.BENCH_SIZES ?? '1024,2048,4096,8192').split(',').map(Number);

function medianMs(fn, iters = 20, warmup = 5) {
  for (let i = 0; i < warmup; i++) fn();
  tl.cuda.synchronize();
  const samples = [];
  for (let i = 0; i < iters; i++) {
    const t = performance.now();
    fn();
    tl.cuda.synchronize();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const r = spawnSync(python, [join(here, 'torch_cuda.py'), sizes.join(',')], { encoding: 'utf8' });
const torch = r.status === 0 ? JSON.parse(r.stdout) : null;
if (!torch) console.log(`bench:cuda: PyTorch peer did not run: ${(r.stderr || '').trim().split('\n').pop()}`);

const fmt = (v, d = 1) => (v == null ? 'n/a' : v.toFixed(d));
const ratio = (ours, theirs) => (ours && theirs ? (theirs / ours).toFixed(2) : 'n/a');
console.log(`\nGPU ${status.device} (sm_${status.computeCapability}), cuBLAS ${status.cublas}, PyTorch ${torch?.torch ?? 'n/a'}, ${new Date().toISOString()}`);

console.log('\nGEMM TFLOP/s (n x n x n); ratio = ours / PyTorch');
console.log('|    n | fp32 ours | fp32 torch | ratio | tf32 ours | tf32 torch | ratio | bf16 ours | bf16 torch | ratio |');
console.log('|-----:|----------:|-----------:|------:|----------:|-----------:|------:|----------:|-----------:|------:|');
for (const n of sizes) {
  const a = tl.randn([n, n], { device: 'cuda' }), b = tl.randn([n, n], { device: 'cuda' });
  const cells = [];
  for (const [name, p] of [['fp32', 'highest'], ['tf32', 'high'], ['bf16', 'medium']]) {
    tl.cuda.setMatmulPrecision(p);
    const ms = medianMs(() => tl.matmul(a, b).dispose(), 10);
    const ours = (2 * n ** 3) / (ms / 1000) / 1e12, theirs = torch ? (2 * n ** 3) / (torch.gemm[n][name] / 1000) / 1e12 : null;
    cells.push(fmt(ours), fmt(theirs), theirs ? (ours / theirs).toFixed(2) : 'n/a');
  }
  console.log(`| ${String(n).padStart(4)} | ${cells.map((c) => c.padStart(9)).join(' | ')} |`);
  a.dispose();
  b.dispose();
}
tl.cuda.setMatmulPrecision('highest');

const convFlop = 2 * 32 * 64 * 32 * 32 * 32 * 9;
const cx = tl.randn([32, 32, 32, 32], { device: 'cuda', requiresGrad: true }), cw = tl.randn([64, 32, 3, 3], { device: 'cuda', requiresGrad: true });
const fwd = medianMs(() => tl.tidy(() => { tl.noGrad(() => tl.conv2d(cx, cw, null, { padding: 1 })); }));
const fb = medianMs(() => tl.tidy(() => { tl.conv2d(cx, cw, null, { padding: 1 }).sum().backward(); cx.zeroGrad(); cw.zeroGrad(); }));
console.log('\nconv2d N=32, 32 -> 64, 32x32, 3x3 pad 1 (TFLOP/s; fwd+bwd counts 3x); ratio = PyTorch time / ours');
console.log(`| forward | ${fmt(convFlop / fwd / 1e9, 2)} | PyTorch ${fmt(torch && convFlop / torch.conv_fwd / 1e9, 2)} | ${ratio(fwd, torch?.conv_fwd)} |`);
console.log(`| fwd+bwd | ${fmt(3 * convFlop / fb / 1e9, 2)} | PyTorch ${fmt(torch && 3 * convFlop / torch.conv_fwd_bwd / 1e9, 2)} | ${ratio(fb, torch?.conv_fwd_bwd)} |`);

const { nn, optim, losses } = tl;
tl.setDefaultDevice('cuda');
const steps = {};
{
  const m = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 1));
  const o = new optim.Adam(m.parameters(), { lr: 1e-3 });
  const x = tl.randn([256, 64]), y = tl.rand([256, 1]).gt(0.5).float();
  steps.mlp = medianMs(() => tl.tidy(() => { o.zeroGrad(); losses.binaryCrossEntropyWithLogits(m.forward(x), y).backward(); o.step(); }), 50);
}
{
  const m = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(),
    new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
  const o = new optim.SGD(m.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = tl.randn([64, 1, 28, 28]), y = tl.randint(0, 10, [64]);
  steps.lenet = medianMs(() => tl.tidy(() => { o.zeroGrad(); losses.crossEntropy(m.forward(x), y).backward(); o.step(); }), 50);
}
{
  const enc = new nn.TransformerEncoderLayer(256, 8, { dimFeedforward: 1024, dropout: 0 }), head = new nn.Linear(256, 2);
  const o = new optim.AdamW([...enc.parameters(), ...head.parameters()], { lr: 1e-4 });
  const x = tl.randn([32, 128, 256]), y = tl.randint(0, 2, [32]);
  steps.transformer = medianMs(() => tl.tidy(() => { o.zeroGrad(); losses.crossEntropy(head.forward(enc.forward(x).mean(1)), y).backward(); o.step(); }), 30);
}
tl.setDefaultDevice('cpu');
console.log('\nTraining step ms; ratio = PyTorch time / ours (>= 1: we are faster)');
for (const [k, name] of [['mlp', 'MLP 64-256-256-1, batch 256, Adam'], ['lenet', 'LeNet-style CNN, batch 64, SGD'], ['transformer', 'Transformer encoder layer d=256, 8 heads, seq 128, batch 32, AdamW']])
  console.log(`| ${name} | ${fmt(steps[k], 3)} | PyTorch ${fmt(torch?.[k], 3)} | ${ratio(steps[k], torch?.[k])} |`);
