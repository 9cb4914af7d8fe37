// Convolution and pooling on the device against the CPU path, forward and both gradients.
// native/cuda/conv.cu has three routes: pointwise (1x1, stride 1, no padding: the input is its
// own column matrix), im2col + GEMM in one chunk, and several chunks when the column buffer
// of all images would pass its 128 MB budget (about 9.4 MB per image below, so 16 images
// take two chunks). Pooling covers ceil mode, dilation and count_include_pad=false.
import { describe, it } from 'node:test';
import { native } from '../../dist/native.js';
import { assert, checkGrad, close, dev, gradPair, pair, tl, where } from './helpers.mjs';

const convTol = { rtol: 1e-4, atol: 1e-4, gradRtol: 1e-4, gradAtol: 1e-3 };

describe(`conv2d on ${where}`, () => {
  it('forward and both gradients (stride, padding, dilation, groups)', () => {
    for (const o of [{}, { stride: 2, padding: 1 }, { dilation: 2, padding: 2 }, { groups: 2, padding: 'same' }, { stride: [2, 1], padding: [0, 2] }]) {
      const w = [6, 4 / (o.groups ?? 1), 3, 3];
      checkGrad((x, k, b) => tl.conv2d(x, k, b, o), [gradPair([3, 4, 11, 10]), gradPair(w), gradPair([6])], convTol, `conv2d ${JSON.stringify(o)}`);
    }
  });
  it('1x1 convolutions: pointwise (no im2col), strided and padded', () => {
    for (const o of [{}, { stride: 2 }, { padding: 1 }, { groups: 3 }]) {
      const w = [9, 6 / (o.groups ?? 1), 1, 1];
      checkGrad((x, k, b) => tl.conv2d(x, k, b, o), [gradPair([5, 6, 7, 8]), gradPair(w), gradPair([9])], convTol, `1x1 ${JSON.stringify(o)}`);
    }
    checkGrad((x, k) => tl.conv2d(x, k, null), [gradPair([2, 6, 7, 8]), gradPair([4, 6, 1, 1])], convTol, '1x1 without bias');
  });
  it('depthwise and non-square kernels', () => {
    checkGrad((x, k, b) => tl.conv2d(x, k, b, { groups: 8, padding: 1 }), [gradPair([2, 8, 9, 9]), gradPair([8, 1, 3, 3]), gradPair([8])], convTol, 'depthwise');
    checkGrad((x, k) => tl.conv2d(x, k, null, { padding: [2, 0] }), [gradPair([2, 3, 10, 6]), gradPair([4, 3, 5, 2])], convTol, '5x2 kernel');
  });
  it('chunked: several im2col chunks of images, forward and both gradients', () => {
    // 16 images of 16 x 128 x 128 with a 3x3 kernel: 144 x 16384 columns (9.4 MB) per image.
    const x = gradPair([16, 16, 128, 128]), k = gradPair([8, 16, 3, 3], -0.2, 0.2), b = gradPair([8]);
    checkGrad((xx, kk, bb) => tl.conv2d(xx, kk, bb, { padding: 1 }), [x, k, b], { rtol: 1e-4, atol: 1e-4, gradRtol: 1e-4, gradAtol: 5e-3 }, 'chunked');
  });
  it('empty batches and channels', () => {
    const x = pair([0, 3, 5, 5]), k = pair([4, 3, 3, 3]);
    close(tl.conv2d(x.gpu, k.gpu), tl.conv2d(x.cpu, k.cpu), {}, 'no images');
  });
});

describe(`pooling on ${where}`, () => {
  const maxCases = [
    { kernel: 3, stride: 2, padding: 1 },
    { kernel: 2 },
    { kernel: 3, stride: 2, ceilMode: true },
    { kernel: 3, stride: 2, padding: 1, ceilMode: true },
    { kernel: 2, dilation: 2 },
    { kernel: [3, 2], stride: [1, 2], dilation: [2, 1], padding: [1, 0], ceilMode: true },
  ];
  for (const o of maxCases)
    it(`maxPool2d ${JSON.stringify(o)}`, () => {
      const x = gradPair([3, 4, 11, 10]), w = pair(tl.maxPool2d(x.cpu, o).shape);  // distinct gradient per window
      checkGrad((xx, ww) => tl.maxPool2d(xx, o).mul(ww), [x, w], { rtol: 0, atol: 0, gradRtol: 1e-6, gradAtol: 1e-6 }, 'maxPool2d');
    });
  it('maxPool2d with windows of padding only (dilation): -inf out, no gradient', () => {
    // kernel 2, dilation 3, padding 1 on a 2x2 input: the only window's taps (-1 and 2) both miss it.
    checkGrad((x) => tl.maxPool2d(x, { kernel: 2, dilation: 3, padding: 1 }).clamp(-1, null), [gradPair([2, 3, 2, 2])],
      { rtol: 0, atol: 0, gradRtol: 0, gradAtol: 0 }, 'all padding');
    checkGrad((x) => tl.maxPool2d(x, { kernel: 2, dilation: 3, padding: 1 }), [gradPair([1, 2, 5, 4])], { rtol: 0, atol: 0 }, 'some windows all padding');
  });
  it('maxPool2d ties and NaN resolve like the CPU', () => {
    const x = tl.tensor([1, 1, 2, 2, NaN, 0, 3, 3, 3, 3, 1, 1, 0, 0, 0, 0], { shape: [1, 1, 4, 4] });
    const g = dev(x);
    g.requiresGrad = x.requiresGrad = true;
    const yc = tl.maxPool2d(x, { kernel: 2, stride: 1 }), yg = tl.maxPool2d(g, { kernel: 2, stride: 1 });
    close(yg, yc, {}, 'forward');
    yc.sum().backward();
    yg.sum().backward();
    close(g.grad, x.grad, {}, 'gradient goes to the first winner');
  });
  const avgCases = [
    { kernel: 2 },
    { kernel: 3, stride: 2, padding: 1 },
    { kernel: 3, stride: 2, padding: 1, countIncludePad: false },
    { kernel: 3, stride: 2, ceilMode: true },
    { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false },
    { kernel: [2, 3], stride: [2, 1], padding: [1, 1], countIncludePad: false },
  ];
  for (const o of avgCases)
    it(`avgPool2d ${JSON.stringify(o)}`, () => {
      checkGrad((x) => tl.avgPool2d(x, o).square(), [gradPair([3, 4, 11, 10])], { rtol: 1e-5, atol: 1e-6 }, 'avgPool2d');
    });
  it('adaptiveAvgPool2d', () => {
    checkGrad((x) => tl.adaptiveAvgPool2d(x).square(), [gradPair([3, 5, 7, 6])], { rtol: 1e-5, atol: 1e-6 }, 'adaptiveAvgPool2d');
  });
  it('maxPool2dBackward with out-of-range indices is a RangeError (read at the next sync on the GPU)', () => {
    const grad = dev(tl.ones([1, 1, 2, 2])), bad = dev(tl.tensor(new Int32Array([0, 3, 99, 1]), { shape: [1, 1, 2, 2] }));
    const p = [[2, 2], [2, 2], [0, 0], [1, 1], false];
    assert.throws(() => new tl.Tensor(native.maxPool2dBackward(grad.handle, bad.handle, [1, 1, 4, 4], ...p)).dataSync(),
      (e) => e instanceof RangeError && /maxPool2dBackward/.test(e.message));
    assert.equal(dev(tl.ones([2])).sum().item(), 2);
  });
});
