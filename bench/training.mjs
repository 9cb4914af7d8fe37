// Training-step time of two small models beside PyTorch (CPU) and tfjs-backend-wasm in the
// same run, and conv2d throughput. PyTorch gets its best of 1 and all threads.
//   MLP: batch 256, 64 -> 256 -> 256 -> 1, ReLU, BCE with logits, Adam
//   LeNet-style CNN: 28x28x1, batch 64, conv5-pool-conv5-pool-120-84-10, SGD momentum
//   conv2d: N=32, C 32 -> 64, 32x32, 3x3, pad 1 (forward; forward + backward)
// PyTorch runs with torchMallocEnv (see common.mjs): with glibc's defaults its conv calls
// page-fault their temporaries afresh and ran at 139-163 GFLOP/s instead of ~400. For
// conv2d, bench/conv.mjs (npm run bench -- conv) interleaves rounds with a resident peer,
// which this machine's shared cores need for trustworthy ratios.
import { availableParallelism } from 'node:os';
import { fmt, loadTensorlift, loadTfjsWasm, medianMs, printTable, runPython, torchMallocEnv } from './common.mjs';
import { CONV_FLOP, makeConvCase } from './conv-case.mjs';

const tl = await loadTensorlift();
const tf = await loadTfjsWasm();
const cores = availableParallelism();
const { nn, optim, losses } = tl;

function mlpStep() {
  tl.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 1));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = tl.randn([256, 64]), y = tl.rand([256, 1]).gt(0.5).float();
  return () => tl.tidy(() => {
    opt.zeroGrad();
    losses.binaryCrossEntropyWithLogits(model.forward(x), y).backward();
    opt.step();
  });
}

function lenetStep() {
  tl.manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = tl.randn([64, 1, 28, 28]), y = tl.randint(0, 10, [64]);
  return () => tl.tidy(() => {
    opt.zeroGrad();
    losses.crossEntropy(model.forward(x), y).backward();
    opt.step();
  });
}

function tfMlpStep() {
  const dense = (i, o) => [tf.variable(tf.randomNormal([i, o], 0, 0.05)), tf.variable(tf.zeros([o]))];
  const [w1, b1] = dense(64, 256), [w2, b2] = dense(256, 256), [w3, b3] = dense(256, 1);
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([256, 64]), y = tf.cast(tf.greater(tf.randomUniform([256, 1]), 0.5), 'float32');
  return () => {
    const cost = opt.minimize(() => {
      const h1 = tf.relu(tf.add(tf.matMul(x, w1), b1));
      const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2));
      return tf.losses.sigmoidCrossEntropy(y, tf.add(tf.matMul(h2, w3), b3));
    }, true);
    cost.dataSync();
    cost.dispose();
  };
}

function tfLenetStep() {
  const v = (s) => tf.variable(tf.randomNormal(s, 0, 0.05));
  const p = { c1: v([5, 5, 1, 6]), c2: v([5, 5, 6, 16]), f1: v([400, 120]), f2: v([120, 84]), f3: v([84, 10]) };
  const opt = tf.train.momentum(0.01, 0.9);
  const x = tf.randomNormal([64, 28, 28, 1]), y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32'), 10);
  return () => {
    const cost = opt.minimize(() => {
      let h = tf.maxPool(tf.relu(tf.conv2d(x, p.c1, 1, 'same')), 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.conv2d(h, p.c2, 1, 'valid')), 2, 2, 'valid');
      h = tf.relu(tf.matMul(tf.reshape(h, [64, 400]), p.f1));
      h = tf.relu(tf.matMul(h, p.f2));
      return tf.losses.softmaxCrossEntropy(y, tf.matMul(h, p.f3));
    }, true);
    cost.dataSync();
    cost.dispose();
  };
}

async function tryTf(name, make) {
  if (!tf) return { ms: null, note: 'not installed' };
  try {
    const step = make();
    return { ms: await medianMs(name, step, { time: 1500 }) };
  } catch (e) {
    return { ms: null, note: String(e.message).split('\n')[0].slice(0, 80) };
  }
}

const convFlop = CONV_FLOP;
const convCase = (backward) => makeConvCase(tl, backward);

console.log(`Training steps and conv2d, ${new Date().toISOString()}, ${cores} cores`);
const torchRuns = [1, cores].map((t) => runPython('torch_training.py', [t], t, torchMallocEnv)).filter(Boolean);
const torchBest = (k) => (torchRuns.length ? Math.min(...torchRuns.map((r) => r[k])) : null);
const ours = {};
for (const [name, make] of [['mlp', mlpStep], ['lenet', lenetStep]]) ours[name] = await medianMs(name, make(), { time: 1500 });
const tfMlp = await tryTf('tfjs mlp', tfMlpStep), tfLenet = await tryTf('tfjs lenet', tfLenetStep);
printTable('Training step, ms (median); ratio = PyTorch time / ours (>= 1 means we are faster)',
  ['model', 'tensorlift', 'PyTorch (best of 1, 2 threads)', 'tfjs-wasm', 'ratio'],
  [
    ['MLP 64-256-256-1, batch 256, Adam', fmt(ours.mlp, 3), fmt(torchBest('mlp'), 3), tfMlp.ms ? fmt(tfMlp.ms, 2) : tfMlp.note, fmt(torchBest('mlp') / ours.mlp, 2)],
    ['LeNet-style CNN, batch 64, SGD', fmt(ours.lenet, 3), fmt(torchBest('lenet'), 3), tfLenet.ms ? fmt(tfLenet.ms, 2) : tfLenet.note, fmt(torchBest('lenet') / ours.lenet, 2)],
  ]);
const fwd = await medianMs('conv fwd', convCase(false), { time: 1500 }), fb = await medianMs('conv fwd+bwd', convCase(true), { time: 1500 });
const gf = (ms, mult) => (ms ? (mult * convFlop) / (ms / 1000) / 1e9 : null);
printTable('conv2d N=32, 32 -> 64 channels, 32x32, 3x3, pad 1: GFLOP/s (forward + backward counts 3x the forward FLOPs)',
  ['pass', 'tensorlift', 'PyTorch (best of 1, 2 threads)', 'tensorlift / PyTorch'],
  [
    ['forward', fmt(gf(fwd, 1)), fmt(gf(torchBest('conv_fwd'), 1)), fmt(torchBest('conv_fwd') / fwd, 2)],
    ['forward + backward', fmt(gf(fb, 3)), fmt(gf(torchBest('conv_fwd_bwd'), 3)), fmt(torchBest('conv_fwd_bwd') / fb, 2)],
  ]);
