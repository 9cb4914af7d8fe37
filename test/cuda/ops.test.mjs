// Every tensor op on the GPU against the CPU path, on the same random inputs.
import { describe, it } from 'node:test';
import { assert, close, pair, skip, tl } from './helpers.mjs';

describe('elementwise on CUDA', { skip }, () => {
  const unary = ['neg', 'abs', 'square', 'exp', 'sqrt', 'rsqrt', 'reciprocal', 'sigmoid', 'tanh', 'relu', 'silu', 'erf', 'log1p', 'expm1', 'sin', 'cos', 'floor', 'round', 'sign'];
  for (const op of unary)
    it(op, () => {
      const { cpu, gpu } = pair([37, 65], op === 'sqrt' || op === 'rsqrt' ? 0.1 : -3, 3);
      close(tl[op](gpu), tl[op](cpu), { rtol: 2e-6, atol: 1e-6 }, op);
    });
  it('log, gelu (both), leakyRelu, softplus, elu, clamp, pow', () => {
    const { cpu, gpu } = pair([1000], 0.01, 5);
    close(tl.log(gpu), tl.log(cpu), { rtol: 2e-6 }, 'log');
    for (const a of ['none', 'tanh']) close(tl.gelu(gpu.sub(2), a), tl.gelu(cpu.sub(2), a), { rtol: 1e-5, atol: 1e-6 }, `gelu ${a}`);
    close(tl.leakyRelu(gpu.sub(2), 0.2), tl.leakyRelu(cpu.sub(2), 0.2), {}, 'leakyRelu');
    close(tl.softplus(gpu.sub(2), 2, 5), tl.softplus(cpu.sub(2), 2, 5), { rtol: 1e-5 }, 'softplus');
    close(tl.elu(gpu.sub(2), 0.7), tl.elu(cpu.sub(2), 0.7), { rtol: 1e-5, atol: 1e-6 }, 'elu');
    close(gpu.clamp(1, 3), cpu.clamp(1, 3), {}, 'clamp');
    close(gpu.pow(2.5), cpu.pow(2.5), { rtol: 1e-5 }, 'pow');
  });
  it('binary ops with broadcasting, scalars and strided views', () => {
    const a = pair([8, 1, 33]), b = pair([5, 1]), c = pair([33, 8]);
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'atan2']) {
      close(tl[op](a.gpu, b.gpu), tl[op](a.cpu, b.cpu), { rtol: 1e-6, atol: 1e-6 }, op);
      close(tl[op](a.gpu, c.gpu.T), tl[op](a.cpu, c.cpu.T), { rtol: 1e-6, atol: 1e-6 }, `${op} transposed`);
    }
    for (const op of ['eq', 'lt', 'ge']) close(tl[op](a.gpu, 0.1), tl[op](a.cpu, 0.1), {}, op);
    close(tl.sub(2, a.gpu), tl.sub(2, a.cpu), {}, 'number first');
    close(tl.where(a.gpu.gt(0), a.gpu, b.gpu), tl.where(a.cpu.gt(0), a.cpu, b.cpu), {}, 'where');
  });
  it('int32 arithmetic wraps like the CPU', () => {
    const x = tl.tensor(new Int32Array([2147483647, -5, 7]));
    const g = x.to('cuda');
    close(g.add(1), x.add(1), {}, 'int add');
    close(g.mul(g), x.mul(x), {}, 'int mul');
    close(tl.tensor([1.9, -1.9, NaN, 3e9]).to('cuda').int(), tl.tensor([1.9, -1.9, NaN, 3e9]).int(), {}, 'cast');
  });
});

describe('reductions and softmax on CUDA', { skip }, () => {
  it('sum, mean, max, min, prod over dims, lists and all', () => {
    const { cpu, gpu } = pair([6, 7, 9]);
    for (const op of ['sum', 'mean', 'max', 'min', 'prod'])
      for (const dims of [undefined, 0, 1, 2, -1, [0, 2], [1, 2]])
        for (const keep of [false, true]) close(tl[op](gpu, dims, keep), tl[op](cpu, dims, keep), { rtol: 1e-5, atol: 1e-5 }, `${op} ${dims} ${keep}`);
    close(tl.sum(gpu.permute([2, 0, 1]), 1), tl.sum(cpu.permute([2, 0, 1]), 1), { rtol: 1e-5, atol: 1e-5 }, 'permuted');
  });
  it('large sums accumulate as precisely as the CPU', () => {
    const { cpu, gpu } = pair([4_000_000], 0, 1);
    close(gpu.sum(), cpu.sum(), { rtol: 1e-6 }, 'sum 4M');
  });
  it('argmax / argmin, softmax and logSoftmax on every dim', () => {
    const { cpu, gpu } = pair([5, 6, 7], -50, 50);
    for (const d of [0, 1, 2]) {
      close(gpu.argmax(d), cpu.argmax(d), {}, `argmax ${d}`);
      close(gpu.argmin(d, true), cpu.argmin(d, true), {}, `argmin ${d}`);
      close(gpu.softmax(d), cpu.softmax(d), { rtol: 1e-5, atol: 1e-7 }, `softmax ${d}`);
      close(gpu.logSoftmax(d), cpu.logSoftmax(d), { rtol: 1e-5, atol: 1e-5 }, `logSoftmax ${d}`);
    }
    close(gpu.argmax(), cpu.argmax(), {}, 'argmax all');
  });
});

describe('matmul and indexing on CUDA', { skip }, () => {
  it('matmul matches the CPU in fp32, batched, broadcast, transposed and 1-D', () => {
    const cases = [[[64, 33], [33, 17]], [[3, 20, 30], [30, 40]], [[2, 1, 5, 6], [3, 6, 4]], [[9], [9, 4]], [[7, 9], [9]]];
    for (const [sa, sb] of cases) {
      const a = pair(sa), b = pair(sb);
      close(tl.matmul(a.gpu, b.gpu), tl.matmul(a.cpu, b.cpu), { rtol: 1e-4, atol: 1e-4 }, `matmul ${sa} ${sb}`);
    }
    const a = pair([40, 30]), b = pair([20, 30]);
    close(tl.matmul(a.gpu, b.gpu.T), tl.matmul(a.cpu, b.cpu.T), { rtol: 1e-4, atol: 1e-4 }, 'transposed B');
    close(tl.linear(a.gpu, b.gpu, pair([20]).gpu.mul(0)), tl.linear(a.cpu, b.cpu), { rtol: 1e-4, atol: 1e-4 }, 'linear');
  });
  it('TF32 and bf16 tensor-core precision stay within their rounding', () => {
    const a = pair([256, 256]), b = pair([256, 256]);
    const ref = tl.matmul(a.cpu, b.cpu);
    for (const [p, tol] of [['high', 5e-3], ['medium', 3e-2]]) {
      tl.cuda.setMatmulPrecision(p);
      close(tl.matmul(a.gpu, b.gpu), ref, { rtol: tol, atol: tol * 4 }, p);
    }
    tl.cuda.setMatmulPrecision('highest');
  });
  it('gather, indexSelect, embedding, cat, stack, slice', () => {
    const { cpu, gpu } = pair([6, 5]);
    const idx = tl.tensor(new Int32Array([4, 0, 0, 2, 1, 3, 3, 1, 0, 4, 2, 2]), { shape: [6, 2] });
    close(gpu.gather(1, idx.to('cuda')), cpu.gather(1, idx), {}, 'gather');
    const rows = tl.tensor(new Int32Array([5, 0, 5, 2]));
    close(gpu.indexSelect(0, rows.to('cuda')), cpu.indexSelect(0, rows), {}, 'indexSelect');
    close(tl.cat([gpu, gpu.slice(0, 1, 4)], 0), tl.cat([cpu, cpu.slice(0, 1, 4)], 0), {}, 'cat');
    close(tl.stack([gpu, gpu], 2), tl.stack([cpu, cpu], 2), {}, 'stack');
    assert.throws(() => gpu.indexSelect(0, tl.tensor(new Int32Array([9])).to('cuda')), RangeError);
  });
});

describe('random numbers on CUDA', { skip }, () => {
  it('are the same numbers as on the CPU for the same seed', () => {
    for (const [fn, args] of [['rand', [[1001]]], ['randn', [[1001]]]]) {
      tl.manualSeed(7);
      const c = tl[fn](...args);
      tl.manualSeed(7);
      const g = tl[fn](...args, { device: 'cuda' });
      close(g, c, { rtol: 1e-6, atol: 1e-7 }, fn);
    }
    tl.manualSeed(3);
    const c = tl.randint(-5, 9, [999]);
    tl.manualSeed(3);
    close(tl.randint(-5, 9, [999], { device: 'cuda' }), c, {}, 'randint');
    tl.manualSeed(11);
    const d = tl.dropout(tl.ones([777]), 0.3);
    tl.manualSeed(11);
    close(tl.dropout(tl.ones([777], { device: 'cuda' }), 0.3), d, {}, 'dropout mask');
  });
});
