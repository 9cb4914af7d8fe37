// The CUDA runtime: status reporting, transfers, memory accounting and the allocator's cache,
// async reads through the pinned staging pool, errors that must not kill the process (device
// mismatch, out of memory), and CUDA used from worker_threads (one state per environment).
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { native } from '../../dist/native.js';
import { assert, dev, device, gpu, needsGpu, pair, tl, where } from './helpers.mjs';

describe('CUDA status', () => {
  it('says whether CUDA can be used and, if not, why (never throws)', () => {
    const s = tl.cuda.status();
    assert.equal(typeof s.available, 'boolean');
    assert.equal(typeof s.built, 'boolean');
    if (!s.available) assert.ok(s.reason.length > 0);
    assert.equal(tl.cuda.isAvailable(), s.available);
    if (!s.available) assert.throws(() => tl.zeros([2], { device: 'cuda' }), TypeError);
    if (s.available) {
      assert.match(s.cublas ?? '', /cublas/i, 'names the cuBLAS it opened');
      assert.ok(Array.isArray(s.cublasTried) && s.cublasTried.length > 0, 'lists the cuBLAS candidates it tried');
    }
  });
  it('emptyCache() never throws, with or without a GPU', () => {
    tl.cuda.emptyCache();
    tl.cuda.emptyCache();
  });
});

describe(`CUDA runtime on ${where}`, () => {
  it('round-trips values, dtypes and views between devices', async () => {
    const x = tl.tensor([[1, 2, 3], [4, 5, 6]]);
    const g = x.to(device);
    assert.equal(g.device, device);
    assert.deepEqual(g.toArray(), x.toArray());
    assert.deepEqual(Array.from(await g.T.data()), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(tl.tensor(new Int32Array([7, -8]), { device }).to('cpu').toArray(), [7, -8]);
    assert.equal(tl.arange(10, undefined, { device }).sum().item(), 45);
    assert.deepEqual(Array.from(await tl.zeros([0], { device }).data()), []);
  });
  it('many concurrent async reads of mixed sizes return the right values (staging pool reuse)', async () => {
    const sizes = [1, 1000, 70_000, 300_000, 1_200_000, 70_000, 300_000];
    for (let round = 0; round < 3; round++) {
      const ts = sizes.map((n, i) => tl.arange(n, undefined, { device }).add(i + round));
      const all = await Promise.all(ts.map((t) => t.data()));
      all.forEach((d, i) => {
        assert.equal(d.length, sizes[i]);
        assert.equal(d[0], i + round);
        assert.equal(d[d.length - 1], sizes[i] - 1 + i + round);
      });
      ts.forEach((t) => t.dispose());
    }
  });
  // On both devices: on the GPU the write is queued after the read's copy; on the CPU the
  // writer does the pending copy itself (core/storage.cc) instead of waiting on the event loop.
  it('a read sees the values from when it was requested, even if the tensor changes later', async () => {
    const { gpu: g } = pair([600, 600]);
    const before = g.dataSync().slice();
    const pending = g.data();
    native.fill(g.handle, 7);  // in place, queued after the read on the GPU
    const seen = await pending;
    assert.deepEqual(Array.from(seen.subarray(0, 5)), Array.from(before.subarray(0, 5)));
    assert.equal(g.dataSync()[0], 7);
  });
  it('counts GPU bytes and returns them on dispose; the allocator reuses memory', { skip: needsGpu }, () => {
    const before = tl.memory().cudaBytes;
    const t = tl.zeros([1024, 1024], { device: 'cuda' });
    assert.equal(tl.memory().cudaBytes - before, 4 * 1024 * 1024);
    t.dispose();
    assert.equal(tl.memory().cudaBytes, before);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) tl.zeros([1024, 1024], { device: 'cuda' }).dispose();
    tl.cuda.synchronize();
    assert.ok(performance.now() - t0 < 2000, 'pooled allocations');
    tl.cuda.emptyCache();
    assert.equal(tl.memory().cudaBytes, before, 'emptyCache frees only cached blocks');
    assert.equal(tl.ones([5], { device: 'cuda' }).sum().item(), 5, 'allocations work after emptyCache');
  });
  it('await data() on a large GPU tensor keeps the event loop running', { skip: needsGpu }, async () => {
    const big = tl.randn([8192, 8192], { device: 'cuda' }).mul(2);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    const data = await big.data();
    const ms = performance.now() - t0;
    clearInterval(timer);
    assert.equal(data.length, 8192 * 8192);
    assert.ok(ms < 20 || ticks > 0, `the event loop ran ${ticks} timers during a ${ms.toFixed(1)} ms read`);
    const again = await big.data();  // the staging block is reused
    assert.equal(again[12345], data[12345]);
    big.dispose();
  });
  it('mixing devices is a TypeError naming both', { skip: needsGpu }, () => {
    const { cpu, gpu: g } = pair([3]);
    assert.throws(() => tl.add(cpu, g), (e) => e instanceof TypeError && /same device/.test(e.message) && /cuda/.test(e.message));
  });
  it('out of GPU memory is a RangeError and the process keeps working', { skip: needsGpu }, () => {
    const huge = Math.floor((tl.cuda.status().memoryBytes ?? 2 ** 40) / 4) + 2 ** 28;
    assert.throws(() => tl.zeros([huge], { device: 'cuda' }), (e) => e instanceof RangeError && /out of GPU memory/.test(e.message));
    assert.equal(tl.ones([3], { device: 'cuda' }).sum().item(), 3);
  });
  it('setDefaultDevice puts new tensors on the GPU', { skip: needsGpu }, () => {
    tl.setDefaultDevice('cuda');
    try {
      assert.equal(tl.randn([2, 2]).device, 'cuda');
    } finally {
      tl.setDefaultDevice('cpu');
    }
  });
});

// A worker computes on the device in its own environment (its own stream, cuBLAS handle and
// allocator) and sends the values back; the main thread checks them against the CPU.
const workerCode = `
  const { parentPort, workerData } = require('node:worker_threads');
  import(workerData.url).then(async (tl) => {
    const x = tl.tensor(Float32Array.from(workerData.x), { shape: [32, 48] }).to(workerData.device);
    const w = tl.tensor(Float32Array.from(workerData.w), { shape: [48, 16] }).to(workerData.device);
    const y = tl.matmul(x, w).softmax(1).add(tl.conv2d(x.reshape([1, 1, 32, 48]), w.slice(0, 0, 9).reshape([16, 1, 3, 3]), null, { padding: 1 }).mean([1, 3]).reshape([32, 1]));
    parentPort.postMessage({ device: y.device, values: Array.from(await y.data()), sum: y.sum().item() });
  }).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

describe(`CUDA in worker_threads on ${where}`, () => {
  it('two workers and the main thread compute at once and agree with the CPU', async () => {
    const x = pair([32, 48]), w = pair([48, 16]);
    const ref = tl.matmul(x.cpu, w.cpu).softmax(1).add(tl.conv2d(x.cpu.reshape([1, 1, 32, 48]), w.cpu.slice(0, 0, 9).reshape([16, 1, 3, 3]), null, { padding: 1 })
      .mean([1, 3]).reshape([32, 1]));
    const url = new URL('../../dist/index.js', import.meta.url).href;
    const start = () => new Promise((resolve, reject) => {
      const worker = new Worker(workerCode, { eval: true, workerData: { url, device, x: Array.from(x.cpu.dataSync()), w: Array.from(w.cpu.dataSync()) } });
      worker.once('message', (m) => { worker.terminate(); m.error ? reject(new Error(m.error)) : resolve(m); });
      worker.once('error', reject);
    });
    const main = tl.matmul(dev(x.cpu), dev(w.cpu)).sum();
    const results = await Promise.all([start(), start()]);
    const expected = ref.dataSync();
    for (const r of results) {
      assert.equal(r.device, device);
      r.values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-5 + 1e-4 * Math.abs(expected[i]), `element ${i}: ${v} vs ${expected[i]}`));
    }
    assert.ok(Math.abs(main.item() - tl.matmul(x.cpu, w.cpu).sum().item()) < 1e-3);
    assert.equal(gpu ? tl.cuda.isAvailable() : true, true);
  });
});
