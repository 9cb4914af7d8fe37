// Inference latency of an MLP 64-256-256-1 (ReLU) beside onnxruntime-node on the same weights,
// in the same process: input from a Float32Array, output read back, on both sides. Rounds
// alternate between the contenders so drifting machine load hits them alike; each figure is
// the median over rounds of each round's median.
//   tensorlift eager: tl.tidy + noGrad forward through the Sequential, dataSync
//   tensorlift plan:  tl.compile(model) (one native call for the whole forward pass)
//   onnxruntime-node: InferenceSession.run (CPU provider, its default threads and a matched count)
import { availableParallelism } from 'node:os';
import { fmt, loadOnnxRuntime, loadTensorlift, medianMs, printTable } from './common.mjs';
import { mlpToOnnx } from './onnx-mlp.mjs';

const tl = await loadTensorlift();
const ort = await loadOnnxRuntime();
const cores = availableParallelism();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

tl.manualSeed(0);
const { nn } = tl;
const model = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 1));
model.eval();
const plan = tl.compile(model, { inputShape: [64] });

const session = ort
  ? await ort.InferenceSession.create(mlpToOnnx(tl, model), { intraOpNumThreads: cores, interOpNumThreads: 1, graphOptimizationLevel: 'all' })
  : null;

function contenders(batch) {
  const input = Float32Array.from({ length: batch * 64 }, (_, i) => Math.sin(i));
  const eager = () => tl.tidy(() => tl.noGrad(() => model.forward(tl.tensor(input, { shape: [batch, 64] })).dataSync()));
  const planned = () => plan.run(input);
  const onnx = session ? async () => (await session.run({ input: new ort.Tensor('float32', input, [batch, 64]) })).output.data : null;
  return { input, eager, planned, onnx };
}

async function check(c) {
  const a = c.eager(), b = c.planned();
  const o = c.onnx ? await c.onnx() : a;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]), Math.abs(a[i] - o[i]));
  if (worst > 1e-4) throw new Error(`bench: outputs differ by ${worst}`);
}

async function measure(batch) {
  const c = contenders(batch);
  await check(c);
  const runs = { eager: [], planned: [], onnx: [] };
  const time = batch === 1 ? 300 : 500;
  // A pause before each measurement: ORT's idle pool threads spin for a while after a run and
  // would otherwise take CPU from whatever is measured next.
  const settle = () => new Promise((r) => setTimeout(r, 50));
  for (let r = 0; r < ROUNDS; r++) {
    await settle();
    runs.eager.push(await medianMs('eager', c.eager, { time }));
    await settle();
    runs.planned.push(await medianMs('plan', c.planned, { time }));
    await settle();
    if (c.onnx) runs.onnx.push(await medianMs('onnx', c.onnx, { time }));
  }
  const med = (xs) => (xs.length ? xs.slice().sort((p, q) => p - q)[Math.floor(xs.length / 2)] : null);
  const spread = (xs) => (xs.length ? `${fmt(Math.min(...xs) * 1000, 1)}-${fmt(Math.max(...xs) * 1000, 1)}` : 'n/a');
  return { batch, eager: med(runs.eager), planned: med(runs.planned), onnx: med(runs.onnx), spread: spread(runs.planned), onnxSpread: spread(runs.onnx) };
}

console.log(`MLP inference, ${new Date().toISOString()}, ${cores} cores, ${ROUNDS} alternating rounds` + (ort ? '' : ' (onnxruntime-node not installed)'));
const rows = [];
for (const batch of [1, 32, 1024]) {
  const m = await measure(batch);
  const us = (ms) => (ms == null ? 'n/a' : fmt(ms * 1000, 1));
  rows.push([batch, us(m.eager), us(m.planned), m.spread, us(m.onnx), m.onnxSpread,
    m.onnx ? fmt(m.onnx / m.eager, 2) : 'n/a', m.onnx ? fmt(m.onnx / m.planned, 2) : 'n/a']);
}
printTable('MLP 64-256-256-1 forward, us (median of round medians; ratio = ORT time / ours, >= 1 means we are faster)',
  ['batch', 'eager', 'plan', 'plan range', 'onnxruntime', 'ORT range', 'ORT/eager', 'ORT/plan'], rows);
