// Reductions, arg-reductions and softmax on the device against the CPU path. Each kernel
// family has several launch shapes chosen by size (see native/cuda/reduce.cu, softmax.cu):
// rows sharing a warp, rows of a whole block (len > 1024), one column per thread (inner > 1
// with enough columns to fill the GPU: >= 132 * 256 on an H100/H200) and split reductions
// combined from partials. The shapes below reach each of them.
import { describe, it } from 'node:test';
import { checkGrad, close, dev, gradPair, pair, tl, where } from './helpers.mjs';

// Enough columns for the column kernels on any current GPU (up to 144 SMs * 256 threads).
const COLS = 40_000;

describe(`reductions on ${where}`, () => {
  it('sum, mean, max, min, prod over dims, lists and all', () => {
    const { cpu, gpu } = pair([6, 7, 9]);
    for (const op of ['sum', 'mean', 'max', 'min', 'prod'])
      for (const dims of [undefined, 0, 1, 2, -1, [0, 2], [1, 2]])
        for (const keep of [false, true]) close(tl[op](gpu, dims, keep), tl[op](cpu, dims, keep), { rtol: 1e-5, atol: 1e-5 }, `${op} ${dims} ${keep}`);
    close(tl.sum(gpu.permute([2, 0, 1]), 1), tl.sum(cpu.permute([2, 0, 1]), 1), { rtol: 1e-5, atol: 1e-5 }, 'permuted');
  });
  it('int32 sums and products wrap, max/min stay exact', () => {
    const x = tl.tensor(new Int32Array([2147483647, 5, -3, 2147483647, -2147483648, 7, 11, -13, 4]), { shape: [3, 3] });
    const g = dev(x);
    for (const op of ['sum', 'prod', 'max', 'min'])
      for (const d of [undefined, 0, 1]) close(tl[op](g, d), tl[op](x, d), {}, `int32 ${op} ${d}`);
    close(tl.mean(g, 1), tl.mean(x, 1), { rtol: 1e-6 }, 'int32 mean (float32)');
  });
  it('large sums accumulate as precisely as the CPU (split reductions)', () => {
    const { cpu, gpu } = pair([4_000_000], 0, 1);
    close(gpu.sum(), cpu.sum(), { rtol: 1e-6 }, 'sum 4M');
    close(gpu.reshape([4, 1_000_000]).mean(1), cpu.reshape([4, 1_000_000]).mean(1), { rtol: 1e-6 }, 'few long rows');
    close(gpu.reshape([1000, 4000]).sum(0), cpu.reshape([1000, 4000]).sum(0), { rtol: 1e-5, atol: 1e-4 }, 'long columns');
    close(gpu.reshape([2000, 2000]).max(0), cpu.reshape([2000, 2000]).max(0), {}, 'max over columns');
  });
  it('NaN wins max and min; empty reductions give the identity', () => {
    const x = tl.tensor([[1, NaN, 3], [4, 5, -Infinity]]), g = dev(x);
    for (const op of ['max', 'min', 'sum']) for (const d of [undefined, 0, 1]) close(tl[op](g, d), tl[op](x, d), {}, `${op} ${d}`);
    const e = tl.zeros([3, 0]);
    close(dev(e).sum(1), e.sum(1), {}, 'empty sum');
    close(dev(e).prod(1), e.prod(1), {}, 'empty prod');
  });
  it('variance and std (two reductions and a broadcast)', () => {
    const { cpu, gpu } = pair([13, 300], -2, 5);
    close(tl.variance(gpu, 1), tl.variance(cpu, 1), { rtol: 1e-5 }, 'variance');
    close(tl.std(gpu, 0, true), tl.std(cpu, 0, true), { rtol: 1e-5 }, 'std');
  });
});

describe(`arg-reductions on ${where}`, () => {
  it('argmax / argmin on every dim, all and keepDim', () => {
    const { cpu, gpu } = pair([5, 6, 7], -50, 50);
    for (const d of [0, 1, 2]) {
      close(gpu.argmax(d), cpu.argmax(d), {}, `argmax ${d}`);
      close(gpu.argmin(d, true), cpu.argmin(d, true), {}, `argmin ${d}`);
    }
    close(gpu.argmax(), cpu.argmax(), {}, 'argmax all');
  });
  it('ties pick the first index and NaN wins, in every launch shape', () => {
    // Values in a few levels: many ties. Rows in a warp, a block-wide row, and columns.
    const lev = (shape) => {
      const p = pair(shape, 0, 4);
      return { cpu: p.cpu.floor(), gpu: p.gpu.floor() };
    };
    for (const [shape, d, what] of [[[33, 20], 1, 'warp rows'], [[3, 5000], 1, 'block-wide rows'], [[3, 6, 14_000], 1, 'columns'],
      [[40, 3], 0, 'few long columns']]) {
      const t = lev(shape);
      close(t.gpu.argmax(d), t.cpu.argmax(d), {}, `argmax ${what}`);
      close(t.gpu.argmin(d), t.cpu.argmin(d), {}, `argmin ${what}`);
    }
    const n = tl.tensor([[1, NaN, 3, NaN], [2, 2, 1, 1]]);
    close(dev(n).argmax(1), n.argmax(1), {}, 'NaN argmax');
    close(dev(n).argmin(1), n.argmin(1), {}, 'NaN argmin');
    const i = tl.tensor(new Int32Array([3, 9, 9, -2, -2, 0]), { shape: [2, 3] });
    close(dev(i).argmax(1), i.argmax(1), {}, 'int32 argmax');
    close(dev(i).argmin(0), i.argmin(0), {}, 'int32 argmin');
  });
});

describe(`softmax on ${where}`, () => {
  it('softmax and logSoftmax on every dim', () => {
    const { cpu, gpu } = pair([5, 6, 7], -50, 50);
    for (const d of [0, 1, 2]) {
      close(gpu.softmax(d), cpu.softmax(d), { rtol: 1e-5, atol: 1e-7 }, `softmax ${d}`);
      close(gpu.logSoftmax(d), cpu.logSoftmax(d), { rtol: 1e-5, atol: 1e-5 }, `logSoftmax ${d}`);
    }
  });
  it('block-wide rows (len > 1024) and column softmax (inner > 1, many columns), forward and backward', () => {
    const cases = [[[3, 5000], 1, 'block-wide rows'], [[2, 7, COLS / 2], 1, 'columns'], [[3, 4, 700], 1, 'strided rows'],
      [[2, 1500, 3], 1, 'long strided rows']];
    for (const [shape, d, what] of cases)
      for (const log of [false, true]) {
        const name = `${log ? 'logSoftmax' : 'softmax'} ${what}`;
        checkGrad((x, w) => (log ? x.logSoftmax(d) : x.softmax(d)).mul(w), [gradPair(shape, -8, 8), pair(shape)],
          { rtol: 1e-5, atol: 1e-6, gradRtol: 1e-4, gradAtol: 1e-6 }, name);
      }
  });
  it('rows with -Infinity and NaN', () => {
    const x = tl.tensor([[-Infinity, 0, 1], [NaN, 1, 2], [-Infinity, -Infinity, 5]]);
    close(dev(x).softmax(1), x.softmax(1), {}, 'softmax');
    close(dev(x).logSoftmax(1), x.logSoftmax(1), {}, 'logSoftmax');
  });
});
