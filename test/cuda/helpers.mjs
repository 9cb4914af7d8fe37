// Shared by the GPU tests. They run with plain `node --test test/cuda` (the GPU machine has no
// dev dependencies). Every comparison runs "on `device` against the CPU path on the same
// inputs": on a GPU machine `device` is 'cuda'; where CUDA is unavailable the same comparisons
// run with both sides on the CPU, so the tests' own shapes, options and tolerances are
// exercised everywhere (a broken test must not wait for the first GPU to be found out), and
// only the checks that mean nothing without a device skip, saying so.
//
// TENSORLIFT_REQUIRE_CUDA=1 (what `npm run gpu:check` sets) turns "no device" into a failure:
// on a machine that is meant to have a GPU, a suite that quietly runs on the CPU would
// report green without having executed one kernel.
// TENSORLIFT_TEST_DEVICE=cpu forces the CPU-side run on a GPU machine.
import assert from 'node:assert/strict';
import * as tl from '../../dist/index.js';

export { tl, assert };

const status = tl.cuda.status();
const why = status.reason || 'no GPU';
export const required = process.env.TENSORLIFT_REQUIRE_CUDA === '1';
if (required && !status.available)
  throw new Error(`TENSORLIFT_REQUIRE_CUDA=1 but CUDA is unavailable: ${why}` +
    (status.cublasTried?.length ? ` (cuBLAS candidates: ${status.cublasTried.join('; ')})` : ''));
export const gpu = status.available && process.env.TENSORLIFT_TEST_DEVICE !== 'cpu';
/** The device under test: 'cuda', or 'cpu' for the CPU-side run. */
export const device = gpu ? 'cuda' : 'cpu';
/** `{ skip }` for checks that need a real GPU (memory accounting, precision modes, ...). */
export const needsGpu = gpu ? false : `needs a GPU (CUDA unavailable: ${why})`;
/** A label for suite names: where the "GPU side" of each comparison ran. */
export const where = gpu ? `CUDA (${status.device})` : 'CPU (CUDA unavailable: CPU-side run)';

/** t on the device under test: a copy on the GPU, or an independent clone on the CPU. */
export function dev(t) {
  return gpu ? t.to('cuda') : t.clone();
}

let state = 0x9e3779b9;
/** Deterministic pseudo-random floats in [lo, hi) for test inputs. */
export function randomArray(n, lo = -1, hi = 1) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Random integers in [lo, hi) as an int32 tensor. */
export function randomInts(shape, lo, hi) {
  const n = shape.reduce((a, b) => a * b, 1);
  const f = randomArray(n, 0, 1);
  return tl.tensor(Int32Array.from(f, (v) => lo + Math.floor(v * (hi - lo))), { shape });
}

/** The same random tensor on the CPU and on the device under test. */
export function pair(shape, lo, hi) {
  const n = shape.reduce((a, b) => a * b, 1);
  const cpu = tl.tensor(randomArray(n, lo, hi), { shape });
  return { cpu, gpu: dev(cpu) };
}

/** pair() with requiresGrad set on both sides. */
export function gradPair(shape, lo, hi) {
  const p = pair(shape, lo, hi);
  p.cpu.requiresGrad = p.gpu.requiresGrad = true;
  return p;
}

/** |a - b| <= atol + rtol |b| elementwise (NaN matches NaN), with the first mismatch reported. */
export function close(gpuTensor, cpuTensor, { rtol = 1e-5, atol = 1e-6 } = {}, what = '') {
  assert.ok(gpuTensor && cpuTensor, `${what}: missing tensor (${gpuTensor ? 'cpu' : 'device'} side)`);
  assert.equal(gpuTensor.device, device, `${what}: result not on ${device}`);
  assert.equal(cpuTensor.device, 'cpu', `${what}: reference not on the CPU`);
  assert.deepEqual(gpuTensor.shape, cpuTensor.shape, `${what}: shape`);
  assert.equal(gpuTensor.dtype, cpuTensor.dtype, `${what}: dtype`);
  const a = gpuTensor.dataSync(), b = cpuTensor.dataSync();
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i])))
      assert.fail(`${what}: element ${i} is ${a[i]} on ${device}, ${b[i]} on the CPU`);
  }
}

/**
 * Runs f on both sides' tensors, backpropagates sum(f) and compares the outputs and the
 * gradients of the inputs that require them (the others are constants such as weights).
 */
export function checkGrad(f, inputs, { rtol = 1e-5, atol = 1e-6, gradRtol = rtol * 10, gradAtol = atol * 10 } = {}, what = '') {
  const yc = f(...inputs.map((p) => p.cpu)), yg = f(...inputs.map((p) => p.gpu));
  close(yg, yc, { rtol, atol }, `${what} forward`);
  yc.sum().backward();
  yg.sum().backward();
  inputs.forEach((p, i) => {
    if (p.cpu.requiresGrad) close(p.gpu.grad, p.cpu.grad, { rtol: gradRtol, atol: gradAtol }, `${what} grad ${i}`);
  });
}
