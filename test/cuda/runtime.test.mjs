// The CUDA runtime: transfers, memory accounting, async reads, errors that must not kill the
// process (device mismatch, out of memory), and status reporting.
import { describe, it } from 'node:test';
import { assert, gpu, pair, skip, tl } from './helpers.mjs';

describe('CUDA status', () => {
  it('says whether CUDA can be used and, if not, why (never throws)', () => {
    const s = tl.cuda.status();
    assert.equal(typeof s.available, 'boolean');
    if (!s.available) assert.ok(s.reason.length > 0);
    assert.equal(tl.cuda.isAvailable(), s.available);
    if (!gpu) assert.throws(() => tl.zeros([2], { device: 'cuda' }), TypeError);
  });
});

describe('CUDA runtime', { skip }, () => {
  it('round-trips values, dtypes and views between devices', async () => {
    const x = tl.tensor([[1, 2, 3], [4, 5, 6]]);
    const g = x.to('cuda');
    assert.equal(g.device, 'cuda');
    assert.deepEqual(g.toArray(), x.toArray());
    assert.deepEqual(Array.from(await g.T.data()), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(tl.tensor(new Int32Array([7, -8]), { device: 'cuda' }).to('cpu').toArray(), [7, -8]);
    assert.equal(tl.arange(10, undefined, { device: 'cuda' }).sum().item(), 45);
  });
  it('counts GPU bytes and returns them on dispose; the allocator reuses memory', () => {
    const before = tl.memory().cudaBytes;
    const t = tl.zeros([1024, 1024], { device: 'cuda' });
    assert.equal(tl.memory().cudaBytes - before, 4 * 1024 * 1024);
    t.dispose();
    assert.equal(tl.memory().cudaBytes, before);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) tl.zeros([1024, 1024], { device: 'cuda' }).dispose();
    tl.cuda.synchronize();
    assert.ok(performance.now() - t0 < 2000, 'pooled allocations');
  });
  it('await data() on a large GPU tensor keeps the event loop running', async () => {
    const big = tl.randn([8192, 8192], { device: 'cuda' }).mul(2);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const data = await big.data();
    clearInterval(timer);
    assert.equal(data.length, 8192 * 8192);
    assert.ok(ticks >= 0);
  });
  it('mixing devices is a TypeError naming both', () => {
    const { cpu, gpu: g } = pair([3]);
    assert.throws(() => tl.add(cpu, g), (e) => e instanceof TypeError && /same device/.test(e.message) && /cuda/.test(e.message));
  });
  it('out of GPU memory is a RangeError and the process keeps working', () => {
    const huge = Math.floor((tl.cuda.status().memoryBytes ?? 2 ** 40) / 4) + 2 ** 28;
    assert.throws(() => tl.zeros([huge], { device: 'cuda' }), RangeError);
    assert.equal(tl.ones([3], { device: 'cuda' }).sum().item(), 3);
  });
  it('setDefaultDevice puts new tensors on the GPU', () => {
    tl.setDefaultDevice('cuda');
    try {
      assert.equal(tl.randn([2, 2]).device, 'cuda');
    } finally {
      tl.setDefaultDevice('cpu');
    }
  });
});
