// Elementwise ops on the device against the CPU path, on the same random inputs: float32 and
// int32 unary and binary ops, pow (scalar shortcuts and tensor exponents), comparisons,
// where and casts, and every activation's gradient.
import { describe, it } from 'node:test';
import { checkGrad, close, dev, gradPair, pair, tl, where } from './helpers.mjs';

const ints = (values, shape) => tl.tensor(new Int32Array(values), shape ? { shape } : undefined);

describe(`elementwise on ${where}`, () => {
  const unary = ['neg', 'abs', 'square', 'exp', 'sqrt', 'rsqrt', 'reciprocal', 'sigmoid', 'tanh', 'relu', 'silu', 'erf',
    'log1p', 'expm1', 'sin', 'cos', 'floor', 'ceil', 'round', 'sign'];
  for (const op of unary)
    it(op, () => {
      const { cpu, gpu } = pair([37, 65], op === 'sqrt' || op === 'rsqrt' ? 0.1 : -3, 3);
      close(tl[op](gpu), tl[op](cpu), { rtol: 2e-6, atol: 1e-6 }, op);
      // A transposed view takes the strided (N-d) path instead of the contiguous one.
      close(tl[op](gpu.T), tl[op](cpu.T), { rtol: 2e-6, atol: 1e-6 }, `${op} transposed`);
    });
  it('special values: NaN, infinities, signed zeros', () => {
    const v = tl.tensor([NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e30, 88.8, -104]), g = dev(v);
    for (const op of ['neg', 'abs', 'exp', 'sigmoid', 'tanh', 'relu', 'sign', 'floor', 'round', 'isNaN'])
      close(tl[op](g), tl[op](v), { rtol: 2e-6 }, op);
  });
  it('log, gelu (both), leakyRelu, softplus, elu, clamp, pow', () => {
    const { cpu, gpu } = pair([1000], 0.01, 5);
    close(tl.log(gpu), tl.log(cpu), { rtol: 2e-6 }, 'log');
    for (const a of ['none', 'tanh']) close(tl.gelu(gpu.sub(2), a), tl.gelu(cpu.sub(2), a), { rtol: 1e-5, atol: 1e-6 }, `gelu ${a}`);
    close(tl.leakyRelu(gpu.sub(2), 0.2), tl.leakyRelu(cpu.sub(2), 0.2), {}, 'leakyRelu');
    close(tl.softplus(gpu.sub(2), 2, 5), tl.softplus(cpu.sub(2), 2, 5), { rtol: 1e-5 }, 'softplus');
    close(tl.elu(gpu.sub(2), 0.7), tl.elu(cpu.sub(2), 0.7), { rtol: 1e-5, atol: 1e-6 }, 'elu');
    close(gpu.clamp(1, 3), cpu.clamp(1, 3), {}, 'clamp');
    close(gpu.clamp(null, 3), cpu.clamp(null, 3), {}, 'clamp max only');
    close(gpu.pow(2.5), cpu.pow(2.5), { rtol: 1e-5 }, 'pow');
  });
  it('pow: the shortcut exponents, negative bases and tensor exponents', () => {
    const { cpu, gpu } = pair([31, 17], -3, 3);
    // 2, 3, 1, 0.5, -1 take exact shortcuts on both devices; 0 and 4 go through powf.
    for (const e of [2, 3, 1, 0.5, -1, 0, 4, -2.5])
      close(gpu.pow(e), cpu.pow(e), { rtol: 2e-6, atol: 1e-6 }, `pow ${e}`);
    const e = pair([17], -2, 2), base = pair([31, 17], 0.1, 3);
    close(tl.pow(base.gpu, e.gpu), tl.pow(base.cpu, e.cpu), { rtol: 2e-6, atol: 1e-6 }, 'pow tensor exponent');
    close(tl.pow(2, e.gpu), tl.pow(2, e.cpu), { rtol: 2e-6 }, 'pow number base');
    const ie = ints([0, 1, 2, 3, -1, 5]), ib = ints([3, -2, 5, -3, 2, 2]);
    close(tl.pow(dev(ib), dev(ie)), tl.pow(ib, ie), { rtol: 1e-6 }, 'int32 pow gives float32');
    checkGrad((b, x) => tl.pow(b, x), [gradPair([5, 4], 0.5, 2), gradPair([4], -1, 1)], { rtol: 2e-6 }, 'pow grad');
    checkGrad((b) => b.pow(3), [gradPair([5, 4], -2, 2)], { rtol: 2e-6 }, 'pow 3 grad');
  });
  it('binary ops with broadcasting, scalars and strided views', () => {
    const a = pair([8, 1, 33]), b = pair([5, 1]), c = pair([33, 8]);
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'atan2']) {
      close(tl[op](a.gpu, b.gpu), tl[op](a.cpu, b.cpu), { rtol: 1e-6, atol: 1e-6 }, op);
      close(tl[op](a.gpu, c.gpu.T), tl[op](a.cpu, c.cpu.T), { rtol: 1e-6, atol: 1e-6 }, `${op} transposed`);
    }
    for (const op of ['add', 'sub', 'mul', 'div']) {
      close(tl[op](a.gpu, 0.37), tl[op](a.cpu, 0.37), { rtol: 1e-6 }, `${op} scalar`);
      close(tl[op](2, a.gpu), tl[op](2, a.cpu), { rtol: 1e-6 }, `${op} number first`);
    }
    close(tl.where(a.gpu.gt(0), a.gpu, b.gpu), tl.where(a.cpu.gt(0), a.cpu, b.cpu), {}, 'where');
    close(tl.where(a.gpu.gt(0), a.gpu, 0), tl.where(a.cpu.gt(0), a.cpu, 0), {}, 'where with a number');
  });
  it('comparisons: every op with tensors, scalars, NaN and int32', () => {
    const x = tl.tensor([1, NaN, -0, 0, 2, -Infinity, 3, 0.5]), y = tl.tensor([1, 1, 0, NaN, 3, -Infinity, 2, 0.5]);
    const gx = dev(x), gy = dev(y);
    const i = ints([5, -5, 0, 7, -2147483648, 2147483647]), j = ints([5, 4, 0, -7, 0, 2147483647]);
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge']) {
      close(tl[op](gx, gy), tl[op](x, y), {}, `${op} float`);
      close(tl[op](gx, 0.5), tl[op](x, 0.5), {}, `${op} float scalar`);
      close(tl[op](dev(i), dev(j)), tl[op](i, j), {}, `${op} int32`);
      close(tl[op](dev(i), 0), tl[op](i, 0), {}, `${op} int32 scalar`);
      close(tl[op](dev(i), 0.5), tl[op](i, 0.5), {}, `${op} int32 vs fractional scalar`);
    }
    const a = pair([6, 1]), b = pair([1, 9]);
    close(tl.lt(a.gpu, b.gpu), tl.lt(a.cpu, b.cpu), {}, 'lt broadcast');
  });
});

describe(`int32 on ${where}`, () => {
  const edge = [2147483647, -2147483648, -5, 7, 0, 1, -1, 46341];
  it('unary ops stay int32 and wrap like the CPU', () => {
    const x = ints(edge), g = dev(x);
    for (const op of ['neg', 'abs', 'square', 'sign', 'relu']) close(tl[op](g), tl[op](x), {}, `int32 ${op}`);
    close(g.clamp(-6, 6), x.clamp(-6, 6), {}, 'int32 clamp');
    close(g.clamp(-6.5, 6), x.clamp(-6.5, 6), {}, 'int32 clamp with a fractional bound (float32)');
    close(g.clamp(null, 0), x.clamp(null, 0), {}, 'int32 clamp max only');
    for (const op of ['exp', 'sqrt', 'sigmoid']) close(tl[op](g), tl[op](x), { rtol: 2e-6 }, `int32 ${op} (float32)`);
  });
  it('binary ops wrap, broadcast and promote like the CPU', () => {
    const x = ints(edge), y = ints([3, -3, 2147483647, -2, 9, 0, 5, 46341]);
    const gx = dev(x), gy = dev(y);
    for (const op of ['add', 'sub', 'mul', 'maximum', 'minimum']) {
      close(tl[op](gx, gy), tl[op](x, y), {}, `int32 ${op}`);
      close(tl[op](gx, 3), tl[op](x, 3), {}, `int32 ${op} scalar`);
      close(tl[op](-7, gx), tl[op](-7, x), {}, `int32 ${op} number first`);
    }
    close(tl.div(gx, gy), tl.div(x, y), { rtol: 1e-6 }, 'int32 div gives float32');
    close(tl.add(gx, 0.5), tl.add(x, 0.5), {}, 'int32 + fractional scalar gives float32');
    const f = pair([8]);
    close(tl.mul(gx, f.gpu), tl.mul(x, f.cpu), { rtol: 1e-6 }, 'int32 * float32');
    const col = ints([1, 2, 3], [3, 1]), row = ints([10, 20, 30, 40], [1, 4]);
    close(tl.sub(dev(col), dev(row)), tl.sub(col, row), {}, 'int32 broadcast');
    close(tl.where(dev(col).gt(1), dev(col), dev(row)), tl.where(col.gt(1), col, row), {}, 'int32 where');
  });
  it('casts: float32 -> int32 truncates and saturates, int32 -> float32 rounds', () => {
    const v = tl.tensor([1.9, -1.9, NaN, 3e9, -3e9, Infinity, 2147483520, -0.5]);
    close(dev(v).int(), v.int(), {}, 'cast to int32');
    const i = ints([16777217, -16777217, 2147483647, 3]);
    close(dev(i).float(), i.float(), {}, 'cast to float32');
    close(dev(v).reshape([2, 4]).T.int(), v.reshape([2, 4]).T.int(), {}, 'cast of a strided view');
  });
});

describe(`activation gradients on ${where}`, () => {
  const cases = [
    ['relu', (x) => tl.relu(x)],
    ['leakyRelu', (x) => tl.leakyRelu(x, 0.15)],
    ['sigmoid', (x) => tl.sigmoid(x)],
    ['tanh', (x) => tl.tanh(x)],
    ['gelu', (x) => tl.gelu(x)],
    ['gelu tanh', (x) => tl.gelu(x, 'tanh')],
    ['silu', (x) => tl.silu(x)],
    ['softplus', (x) => tl.softplus(x)],
    ['softplus beta 2 threshold 3', (x) => tl.softplus(x, 2, 3)],
    ['elu', (x) => tl.elu(x, 0.8)],
    ['clamp', (x) => x.clamp(-0.5, 0.75)],
    ['clamp min only', (x) => x.clamp(0.1)],
  ];
  for (const [name, f] of cases)
    it(name, () => {
      // Weighted sum so each element's gradient differs (sum() alone sends ones).
      checkGrad((x, w) => f(x).mul(w), [gradPair([23, 19], -4, 4), pair([23, 19])],
        { rtol: 1e-5, atol: 1e-6, gradRtol: 1e-5, gradAtol: 1e-6 }, name);
    });
  it('gradients through broadcast activations of strided views', () => {
    checkGrad((x) => tl.silu(x.T).mul(tl.gelu(x.T)), [gradPair([9, 14], -3, 3)], { rtol: 1e-5, atol: 1e-6 }, 'silu * gelu of x^T');
  });
});
