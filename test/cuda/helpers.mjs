// Shared by the GPU tests. They run with plain `node --test test/cuda` (the GPU machine has no
// dev dependencies) and skip, saying why, where CUDA is unavailable.
import assert from 'node:assert/strict';
import * as tl from '../../dist/index.js';

export { tl, assert };

const status = tl.cuda.status();
export const gpu = status.available;
export const skip = gpu ? false : `CUDA unavailable: ${status.reason || 'no GPU'}`;

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

export function pair(shape, lo, hi) {
  const n = shape.reduce((a, b) => a * b, 1);
  const cpu = tl.tensor(randomArray(n, lo, hi), { shape });
  return { cpu, gpu: cpu.to('cuda') };
}

/** |a - b| <= atol + rtol |b| elementwise (NaN matches NaN), with the first mismatch reported. */
export function close(gpuTensor, cpuTensor, { rtol = 1e-5, atol = 1e-6 } = {}, what = '') {
  assert.equal(gpuTensor.device, 'cuda', `${what}: result not on the GPU`);
  assert.deepEqual(gpuTensor.shape, cpuTensor.shape, `${what}: shape`);
  const a = gpuTensor.dataSync(), b = cpuTensor.dataSync();
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i])))
      assert.fail(`${what}: element ${i} is ${a[i]} on the GPU, ${b[i]} on the CPU`);
  }
}
