// Matrix products and indexing on the device against the CPU path: cuBLAS GEMMs in every
// operand layout, the fused Linear epilogues, gather / indexSelect / embedding and their
// adjoints (scatterAdd / indexAdd with repeated indices), and index range errors. On the GPU
// the range checks run inside the kernels and are reported at the next synchronization (a
// read), so the tests read the result before expecting the error.
import { describe, it } from 'node:test';
import { native } from '../../dist/native.js';
import { assert, checkGrad, close, dev, device, gradPair, needsGpu, pair, randomInts, tl, where } from './helpers.mjs';

const ints = (values, shape) => tl.tensor(new Int32Array(values), shape ? { shape } : undefined);
const wrapHandle = (h) => new tl.Tensor(h);
// The index tensor that goes with x: the device copy on the GPU side of a comparison.
const side = (x, cpuIndex, devIndex) => (x.device === 'cuda' ? devIndex : cpuIndex);

describe(`matmul on ${where}`, () => {
  it('matches the CPU in fp32, batched, broadcast, transposed and 1-D', () => {
    const cases = [[[64, 33], [33, 17]], [[3, 20, 30], [30, 40]], [[2, 1, 5, 6], [3, 6, 4]], [[9], [9, 4]], [[7, 9], [9]], [[5, 0], [0, 3]]];
    for (const [sa, sb] of cases) {
      const a = pair(sa), b = pair(sb);
      close(tl.matmul(a.gpu, b.gpu), tl.matmul(a.cpu, b.cpu), { rtol: 1e-4, atol: 1e-4 }, `matmul ${sa} ${sb}`);
    }
    const a = pair([40, 30]), b = pair([20, 30]);
    close(tl.matmul(a.gpu, b.gpu.T), tl.matmul(a.cpu, b.cpu.T), { rtol: 1e-4, atol: 1e-4 }, 'transposed B');
    close(tl.matmul(b.gpu.T.T, a.gpu.T), tl.matmul(b.cpu, a.cpu.T), { rtol: 1e-4, atol: 1e-4 }, 'transposed A');
    const s = pair([12, 40]);
    close(tl.matmul(s.gpu.slice(1, 0, 40, 2), a.gpu.slice(0, 0, 20)), tl.matmul(s.cpu.slice(1, 0, 40, 2), a.cpu.slice(0, 0, 20)),
      { rtol: 1e-4, atol: 1e-4 }, 'packed operand (no unit stride)');
  });
  it('gradients of batched and broadcast products', () => {
    checkGrad((x, y) => tl.matmul(x, y), [gradPair([3, 8, 5]), gradPair([5, 6])], { rtol: 1e-4, atol: 1e-4 }, 'bmm broadcast');
    checkGrad((x, y) => tl.matmul(x, y), [gradPair([7]), gradPair([2, 7, 3])], { rtol: 1e-4, atol: 1e-4 }, 'vector @ batch');
  });
  it('linear: bias and the fused relu / sigmoid / tanh epilogues, forward and backward', () => {
    for (const act of [undefined, 'relu', 'sigmoid', 'tanh'])
      for (const withBias of [true, false]) {
        const bias = withBias ? [gradPair([20], -0.5, 0.5)] : [];
        checkGrad((x, w, b) => tl.linear(x, w, b ?? null, act), [gradPair([33, 30]), gradPair([20, 30]), ...bias],
          { rtol: 1e-4, atol: 1e-5, gradRtol: 1e-4, gradAtol: 1e-4 }, `linear ${act ?? 'none'} bias ${withBias}`);
      }
    checkGrad((x, w, b) => tl.linear(x, w, b, 'tanh'), [gradPair([4, 6, 30]), gradPair([20, 30]), gradPair([20])],
      { rtol: 1e-4, atol: 1e-5, gradRtol: 1e-4, gradAtol: 1e-4 }, 'linear 3-D input');
  });
  it('bf16 tensors through cuBLAS (tl.cuda.matmulBf16) stay within bf16 rounding', { skip: needsGpu }, () => {
    for (const [m, k, n] of [[256, 256, 256], [33, 70, 17], [5, 0, 3]]) {
      const a = pair([m, k]), b = pair([k, n]);
      close(tl.cuda.matmulBf16(a.gpu, b.gpu), tl.matmul(a.cpu, b.cpu), { rtol: 3e-2, atol: 0.12 }, `bf16 ${m}x${k}x${n}`);
      close(tl.cuda.matmulBf16(a.gpu, b.gpu, 5), tl.matmul(a.cpu, b.cpu), { rtol: 3e-2, atol: 0.12 }, 'back-to-back reps');
    }
  });
  it('TF32 and bf16 tensor-core precision stay within their rounding', { skip: needsGpu }, () => {
    const a = pair([256, 256]), b = pair([256, 256]);
    const ref = tl.matmul(a.cpu, b.cpu);
    try {
      for (const [p, tol] of [['high', 5e-3], ['medium', 3e-2]]) {
        tl.cuda.setMatmulPrecision(p);
        close(tl.matmul(a.gpu, b.gpu), ref, { rtol: tol, atol: tol * 4 }, p);
        close(tl.linear(a.gpu, b.gpu, null, 'relu'), tl.linear(a.cpu, b.cpu, null, 'relu'), { rtol: tol, atol: tol * 4 }, `${p} linear`);
      }
    } finally {
      tl.cuda.setMatmulPrecision('highest');
    }
  });
});

describe(`indexing on ${where}`, () => {
  it('gather, indexSelect, embedding, cat, stack, slice', () => {
    const { cpu, gpu: g } = pair([6, 5]);
    const idx = ints([4, 0, 0, 2, 1, 3, 3, 1, 0, 4, 2, 2], [6, 2]);
    close(g.gather(1, dev(idx)), cpu.gather(1, idx), {}, 'gather');
    close(g.gather(0, dev(idx.clamp(0, 5))), cpu.gather(0, idx.clamp(0, 5)), {}, 'gather dim 0');
    const rows = ints([5, 0, 5, 2]);
    close(g.indexSelect(0, dev(rows)), cpu.indexSelect(0, rows), {}, 'indexSelect');
    close(g.indexSelect(1, dev(rows.clamp(0, 4))), cpu.indexSelect(1, rows.clamp(0, 4)), {}, 'indexSelect dim 1');
    close(tl.cat([g, g.slice(0, 1, 4)], 0), tl.cat([cpu, cpu.slice(0, 1, 4)], 0), {}, 'cat');
    close(tl.cat([g, g.T.contiguous().T], 1), tl.cat([cpu, cpu.T.contiguous().T], 1), {}, 'cat dim 1');
    close(tl.stack([g, g], 2), tl.stack([cpu, cpu], 2), {}, 'stack');
    const it32 = randomInts([4, 3], -9, 9);
    close(dev(it32).indexSelect(0, dev(ints([3, 3, 0]))), it32.indexSelect(0, ints([3, 3, 0])), {}, 'int32 indexSelect');
    close(dev(it32).gather(1, dev(ints([2, 0, 1, 1], [4, 1]))), it32.gather(1, ints([2, 0, 1, 1], [4, 1])), {}, 'int32 gather');
  });
  it('scatterAdd and indexAdd (the adjoints) with repeated indices', () => {
    const idx = randomInts([40, 7], 0, 5), didx = dev(idx);
    checkGrad((x, w) => x.gather(1, side(x, idx, didx)).mul(w),
      [gradPair([40, 5]), pair([40, 7])], { rtol: 1e-5, gradRtol: 1e-5, gradAtol: 1e-5 }, 'gather -> scatterAdd');
    const rows = randomInts([300], 0, 9), drows = dev(rows);
    checkGrad((x, w) => x.indexSelect(0, side(x, rows, drows)).mul(w),
      [gradPair([9, 6]), pair([300, 6])], { rtol: 1e-5, gradRtol: 1e-5, gradAtol: 1e-5 }, 'indexSelect -> indexAdd');
    const sa = native.scatterAdd([4, 3], 0, dev(ints([0, 3, 3, 3, 1, 0], [2, 3])).handle, dev(tl.tensor([[1, 2, 3], [4, 5, 6]])).handle);
    const ref = native.scatterAdd([4, 3], 0, ints([0, 3, 3, 3, 1, 0], [2, 3]).handle, tl.tensor([[1, 2, 3], [4, 5, 6]]).handle);
    close(wrapHandle(sa), wrapHandle(ref), {}, 'scatterAdd direct');
    const ia = native.indexAdd([3, 2], 0, dev(ints([2, 2, 0, 2])).handle, dev(tl.ones([4, 2])).handle);
    close(wrapHandle(ia), wrapHandle(native.indexAdd([3, 2], 0, ints([2, 2, 0, 2]).handle, tl.ones([4, 2]).handle)), {}, 'indexAdd direct');
  });
  it('embedding forward and backward with repeated indices of any shape', () => {
    const ids = randomInts([8, 12], 0, 20), did = dev(ids);
    checkGrad((w, m) => tl.embedding(w, side(w, ids, did)).mul(m),
      [gradPair([20, 16]), pair([8, 12, 16])], { rtol: 1e-5, gradRtol: 1e-5, gradAtol: 1e-5 }, 'embedding');
    tl.manualSeed(4);
    const layer = new tl.nn.Embedding(50, 8);
    tl.manualSeed(4);
    const layerDev = new tl.nn.Embedding(50, 8).to(device);
    close(layerDev.forward(dev(ids)), layer.forward(ids), {}, 'nn.Embedding');
  });
  it('out-of-range indices are a RangeError naming the op, and the device keeps working', () => {
    const { gpu: g } = pair([6, 5]);
    const bad = [
      ['indexSelect', () => g.indexSelect(0, dev(ints([9]))), /indexSelect/],
      ['indexSelect negative', () => g.indexSelect(1, dev(ints([0, -1]))), /indexSelect/],
      ['gather', () => g.gather(1, dev(ints([0, 5, 1, 1, 1, 1, 1, 1, 1, 1], [5, 2]))), /gather/],
      ['embedding', () => tl.embedding(g, dev(ints([2, 6]))), /indexSelect|embedding/],
      ['scatterAdd', () => wrapHandle(native.scatterAdd([3, 2], 0, dev(ints([0, 3], [1, 2])).handle, dev(tl.ones([1, 2])).handle)), /scatterAdd/],
      ['indexAdd', () => wrapHandle(native.indexAdd([3, 2], 0, dev(ints([-4])).handle, dev(tl.ones([1, 2])).handle)), /indexAdd/],
    ];
    for (const [what, f, re] of bad) {
      // On the GPU the kernel flags the index and the error surfaces at the read.
      assert.throws(() => f().dataSync(), (e) => e instanceof RangeError && re.test(e.message) && /range/.test(e.message), what);
      assert.equal(dev(tl.ones([3])).sum().item(), 3, `${what}: later work runs`);
    }
  });
});
