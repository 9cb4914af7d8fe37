// The native handle's life: reads into caller arrays and pooled blocks, async reads racing
// in-place writes (which once hung the process), and workers terminated in the middle of
// native work (which once aborted it). The racy parts run in child processes, so a hang or
// an abort fails a test instead of taking the runner down.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { describeChild, runNodeScript } from './helpers/child.js';
import { distIndexUrl, distNativeUrl, ensureDist } from './helpers/dist.js';
import { TEST_SEED, makeRng } from './helpers/random.js';

beforeAll(async () => {
  await ensureDist();
});

describe('reading values back', () => {
  const rnd = makeRng(TEST_SEED);
  const values = (n: number) => Float32Array.from({ length: n }, () => rnd() * 2 - 1);

  it.each([1, 1000, 16_384, 16_385, 300_000])('dataSync() and await data() of %i values equal the input (small, pooled and off-thread sizes)', async (n) => {
    const v = values(n);
    const t = tl.tensor(v);
    expect(t.dataSync()).toEqual(v);
    expect(await t.data()).toEqual(v);
    t.dispose();
  });

  it('a transposed view reads back row-major, above and below the pooled size', async () => {
    for (const [r, c] of [[3, 5], [300, 257]]) {
      const v = values(r * c);
      const t = tl.tensor(v, { shape: [r, c] });
      const tt = t.T;
      const want = new Float32Array(r * c);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) want[j * r + i] = v[i * c + j];
      expect(tt.dataSync()).toEqual(want);
      expect(await tt.data()).toEqual(want);
      tl.tidy(() => [t, tt].forEach((x) => x.dispose()));
    }
  });

  it('into: the same array comes back, filled, for both dtypes and both calls', async () => {
    const f = tl.tensor(values(70_000)), i = tl.arange(0, 20);
    const fi = new Float32Array(70_000), ii = new Int32Array(20);
    expect(f.dataSync(fi)).toBe(fi);
    expect(fi).toEqual(f.dataSync());
    fi.fill(0);
    expect(await f.data(fi)).toBe(fi);
    expect(fi).toEqual(f.dataSync());
    expect(i.dataSync(ii)).toBe(ii);
    expect(Array.from(ii)).toEqual(Array.from({ length: 20 }, (_, k) => k));
    // A subarray view is filled in place, around it nothing changes.
    const backing = new Float32Array(70_002).fill(7);
    f.dataSync(backing.subarray(1, 70_001));
    expect([backing[0], backing[70_001]]).toEqual([7, 7]);
    expect(backing.subarray(1, 70_001)).toEqual(f.dataSync());
    tl.tidy(() => [f, i].forEach((x) => x.dispose()));
  });

  it('into of the wrong dtype or size is refused with a one-line error naming the call', async () => {
    const f = tl.ones([4]);
    expect(() => f.dataSync(new Int32Array(4) as never)).toThrow(TypeError);
    expect(() => f.dataSync(new Int32Array(4) as never)).toThrow(/^dataSync: expected `into` to be an Float32Array/);
    expect(() => f.dataSync(new Float32Array(5))).toThrow(RangeError);
    expect(() => f.dataSync(new Float32Array(5))).toThrow(/^dataSync: `into` holds 5 values, the tensor has 4/);
    await expect(f.data(new Float32Array(3))).rejects.toThrow(/^data: /);
    expect(() => f.dataSync([1, 2, 3, 4] as never)).toThrow(TypeError);
    f.dispose();
  });

  it('arrays read back stay valid after the tensor is disposed (they are copies)', () => {
    const t = tl.tensor(values(100_000));
    const a = t.dataSync(), copy = a.slice();
    t.dispose();
    const other = tl.full([100_000], 3); // would reuse the freed block if `a` were a view
    expect(a).toEqual(copy);
    other.dispose();
  });
});

describe('async reads and in-place writes (child process: a hang fails the test)', () => {
  it('await data() sees the values of the moment it was asked, however soon the tensor is written', async () => {
    const r = await runNodeScript(`
      import * as tl from ${JSON.stringify(distIndexUrl)};
      import { native } from ${JSON.stringify(distNativeUrl)};
      const lin = new tl.nn.Linear(1024, 1024);
      const opt = new tl.optim.Adam(lin.parameters(), { lr: 0.1 });
      tl.tidy(() => lin.forward(tl.randn([4, 1024])).sum().backward());
      let checked = 0;
      for (let round = 0; round < 20; round++) {
        const before = lin.weight.dataSync();
        const p = lin.weight.data();        // 4 MB: copied on a worker thread
        opt.step();                         // in place, at once, on the JS thread
        tl.tidy(() => native.binaryInplace('mul', lin.weight.handle, tl.full([1], 0.5).handle));
        const got = await p;
        for (let i = 0; i < got.length; i += 997) if (got[i] !== before[i]) throw new Error('read saw a later write at ' + i);
        checked++;
      }
      // Many reads in flight on several tensors, written while they are pending.
      const ts = Array.from({ length: 6 }, () => tl.randn([512, 512]));
      const reads = [];
      for (let k = 0; k < 60; k++) { const t = ts[k % 6]; const want = t.dataSync(); reads.push(t.data().then((v) => { if (v[7] !== want[7]) throw new Error('stale'); })); tl.tidy(() => native.assign(t.handle, tl.randn([512, 512]).handle)); }
      await Promise.all(reads);
      console.log(JSON.stringify({ checked }));
    `, { timeoutMs: 60_000 });
    expect(r.code, describeChild(r)).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).checked).toBe(20);
  });
});

describe('terminating workers during native calls (child process: an abort fails the test)', () => {
  it('40 workers terminated at random points of sync ops, async reads and plan runs (sync and async): the process lives on', async () => {
    const r = await runNodeScript(`
      import { Worker } from 'node:worker_threads';
      const body = \`
        import * as tl from ${JSON.stringify(distIndexUrl)};
        import { parentPort } from 'node:worker_threads';
        const a = tl.randn([384, 384]);
        const model = new tl.nn.Sequential(new tl.nn.Linear(64, 128), new tl.nn.ReLU(), new tl.nn.Linear(128, 4));
        const plan = tl.compile(model, { inputShape: [64] });
        const rows = new Float32Array(64 * 256).fill(0.25);
        parentPort.postMessage('ready');
        let reads = [];
        for (;;) {
          const b = a.matmul(a); reads.push(b.data()); b.dispose();
          plan.run(rows);
          reads.push(plan.runAsync(rows));
          tl.randn([5000]).dataSync();
          if (reads.length > 6) { await Promise.all(reads); reads = []; }
        }\`;
      let s = 12345;
      const rnd = () => { s = (s * 1103515245 + 12345) >>> 0; return s / 4294967296; };
      for (let i = 0; i < 40; i++) {
        const w = new Worker(body, { eval: true });
        w.on('error', (e) => { console.error('worker error', e); process.exit(5); });
        await new Promise((r) => w.once('message', r));
        await new Promise((r) => setTimeout(r, 2 + rnd() * 40));
        await w.terminate();
      }
      console.log('alive');
    `, { timeoutMs: 120_000 });
    expect(r.code, describeChild(r)).toBe(0);
    expect(r.stdout).toContain('alive');
  }, 130_000);
});
