// Memory management: tidy()/keep(), dispose(), tl.memory() accounting, errors on disposed
// tensors, GC finalizers and V8 external-memory pressure (in child processes started with
// --expose-gc), and the event loop staying responsive while `await t.data()` copies.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { native } from '../lib/native.js';
import { describeChild, runNodeScript } from './helpers/child.js';
import { ensureDist } from './helpers/dist.js';

/**
 * Asserts that fn leaves tl.memory() (live tensors and bytes) exactly where it found it.
 * Exact counts need a process without garbage tensors a GC could finalize meanwhile: the
 * tests before the GC section dispose everything they make (keep it that way).
 */
function expectNoLeak(fn: () => void): void {
  const before = tl.memory();
  fn();
  const after = tl.memory();
  expect({ tensors: after.tensors, cpuBytes: after.cpuBytes }).toEqual({ tensors: before.tensors, cpuBytes: before.cpuBytes });
}

describe('tidy', () => {
  it('disposes intermediates and keeps the returned tensor', () => {
    expectNoLeak(() => {
      const start = tl.memory();
      let a!: tl.Tensor, b!: tl.Tensor;
      const out = tl.tidy(() => {
        a = tl.ones([4]);
        b = tl.add(a, 1);
        return tl.mul(b, 2);
      });
      expect(a.isDisposed && b.isDisposed).toBe(true);
      expect(out.isDisposed).toBe(false);
      expect(Array.from(out.dataSync())).toEqual([4, 4, 4, 4]);
      expect(tl.memory().tensors).toBe(start.tensors + 1);
      expect(tl.memory().cpuBytes).toBe(start.cpuBytes + 16);
      out.dispose();
    });
  });

  it('keeps tensors returned inside arrays, plain objects and Maps; returns other values as is', () => {
    expectNoLeak(() => {
      let tmp!: tl.Tensor;
      const r = tl.tidy(() => {
        tmp = tl.zeros([2]);
        const x = tl.ones([2]), y = tl.add(x, 1), z = tl.add(y, 1);
        return { list: [x, [y]], nested: { deep: { z } }, map: new Map([['m', tl.neg(z)]]), n: 5, s: 'str' };
      });
      expect(tmp.isDisposed).toBe(true);
      const kept = [r.list[0] as tl.Tensor, (r.list[1] as tl.Tensor[])[0], r.nested.deep.z, r.map.get('m')!];
      expect(kept.map((t) => t.isDisposed)).toEqual([false, false, false, false]);
      expect(kept.map((t) => t.dataSync()[0])).toEqual([1, 2, 3, -3]);
      expect([r.n, r.s]).toEqual([5, 'str']);
      for (const t of kept) t.dispose();
      expect(tl.tidy(() => 42)).toBe(42);
      expect(tl.tidy(() => undefined)).toBe(undefined);
    });
  });

  it('nests: an inner result belongs to the outer scope; tensors from outside are untouched', () => {
    expectNoLeak(() => {
      const outside = tl.ones([3]);
      let inner!: tl.Tensor, innerTmp!: tl.Tensor;
      const out = tl.tidy(() => {
        inner = tl.tidy(() => {
          innerTmp = tl.mul(outside, 3);
          return tl.add(innerTmp, 1);
        });
        expect(innerTmp.isDisposed).toBe(true);
        expect(inner.isDisposed).toBe(false);
        return tl.add(inner, outside);
      });
      expect(inner.isDisposed).toBe(true); // not returned by the outer scope
      expect(outside.isDisposed).toBe(false);
      expect(Array.from(out.dataSync())).toEqual([5, 5, 5]);
      // returning a tensor made outside the scope does not adopt it either
      expect(tl.tidy(() => outside)).toBe(outside);
      out.dispose();
      outside.dispose();
    });
  });

  it('a returned view of an intermediate stays valid', () => {
    expectNoLeak(() => {
      const v = tl.tidy(() => tl.arange(0, 6, 1, { dtype: 'float32' }).reshape([2, 3]).T);
      expect(v.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
      v.dispose();
    });
  });

  it('keep() exempts a tensor from every enclosing scope', () => {
    expectNoLeak(() => {
      let kept!: tl.Tensor, other!: tl.Tensor;
      tl.tidy(() => {
        tl.tidy(() => {
          kept = tl.keep(tl.ones([2]));
          other = tl.ones([2]);
        });
      });
      expect(kept.isDisposed).toBe(false);
      expect(other.isDisposed).toBe(true);
      kept.dispose();
    });
  });

  it('rethrows what fn throws and still disposes what it made', () => {
    expectNoLeak(() => {
      let made!: tl.Tensor;
      const err = new Error('boom');
      expect(() => tl.tidy(() => {
        made = tl.ones([8]);
        tl.tidy(() => {
          tl.zeros([8]);
          throw err;
        });
      })).toThrow(err);
      expect(made.isDisposed).toBe(true);
    });
  });

  it('refuses async functions / Promise results (TypeError) and disposes their tensors', () => {
    expectNoLeak(() => {
      expect(() => tl.tidy((async () => tl.ones([2])) as unknown as () => tl.Tensor)).toThrow(TypeError);
      let t!: tl.Tensor;
      expect(() => tl.tidy(() => {
        t = tl.ones([2]);
        return Promise.resolve(t);
      })).toThrow(/^tidy: /);
      expect(t.isDisposed).toBe(true);
      expect(() => tl.tidy('fn' as unknown as () => void)).toThrow(TypeError);
    });
  });
});

describe('dispose and tl.memory()', () => {
  it('counts tensors and bytes, and goes back to the start', () => {
    const start = tl.memory();
    expect(start.cudaBytes).toBe(0);
    const a = tl.zeros([1000]);
    expect(tl.memory().tensors).toBe(start.tensors + 1);
    expect(tl.memory().cpuBytes).toBe(start.cpuBytes + 4000);
    const i = tl.zeros([10], { dtype: 'int32' });
    expect(tl.memory().cpuBytes).toBe(start.cpuBytes + 4040);
    a.dispose();
    i.dispose();
    expect(tl.memory()).toEqual(start);
  });

  it('dispose twice is harmless; views keep their storage alive until the last one goes', () => {
    const start = tl.memory();
    const a = tl.ones([256]);
    const r = a.reshape([16, 16]);
    const v = r.T;
    expect(tl.memory().cpuBytes).toBe(start.cpuBytes + 1024); // views allocate nothing
    expect(tl.memory().tensors).toBe(start.tensors + 3);
    a.dispose();
    a.dispose();
    r.dispose();
    expect(a.isDisposed && r.isDisposed).toBe(true);
    expect(tl.memory().cpuBytes).toBe(start.cpuBytes + 1024); // v still holds the storage
    const s = v.sum();
    expect(s.item()).toBe(256);
    s.dispose();
    v.dispose();
    v.dispose();
    expect(tl.memory()).toEqual(start);
  });

  it('disposing a tensor while await data() is pending still yields its values', async () => {
    const start = tl.memory();
    const t = tl.arange(0, 1 << 20, 1, { dtype: 'float32' }); // 4 MB: the off-thread path
    const p = t.data();
    t.dispose();
    const d = await p;
    expect([d.length, d[12345], d[(1 << 20) - 1]]).toEqual([1 << 20, 12345, (1 << 20) - 1]);
    expect(tl.memory()).toEqual(start);
  });

  it('using a disposed tensor throws a plain Error whose message starts with the op name', () => {
    const uses: [string, (t: tl.Tensor) => unknown][] = [
      ['add', (t) => tl.add(t, 1)], ['add', (t) => tl.ones([2]).add(t)], ['mul', (t) => t.mul(t)], ['exp', (t) => t.exp()],
      ['sum', (t) => t.sum()], ['max', (t) => tl.max(t, 0)], ['argmax', (t) => t.argmax()], ['softmax', (t) => t.softmax(0)],
      ['matmul', (t) => tl.matmul(t, t)], ['reshape', (t) => t.reshape([2])], ['transpose', (t) => t.transpose(0, 0)],
      ['slice', (t) => t.slice(0, 1)], ['cat', (t) => tl.cat([t, t])], ['where', (t) => tl.where(t, 1, 0)],
      ['clamp', (t) => t.clamp(0, 1)], ['pow', (t) => t.pow(2)], ['relu', (t) => t.relu()], ['clone', (t) => t.clone()],
      ['dataSync', (t) => t.dataSync()], ['item', (t) => t.item()], ['toArray|dataSync', (t) => t.toArray()],
      ['isContiguous', (t) => t.isContiguous()],
    ];
    const wrong: string[] = [];
    for (const [name, use] of uses) {
      const t = tl.ones([2]);
      t.dispose();
      try {
        use(t);
        wrong.push(`${name}: did not throw`);
      } catch (e) {
        if ((e as Error).constructor !== Error) wrong.push(`${name}: threw ${(e as Error).constructor.name}`);
        else if (!new RegExp(`^(${name}): `).test((e as Error).message)) wrong.push(`${name}: message "${(e as Error).message}"`);
      }
    }
    expect(wrong, `ops whose disposed-tensor error is wrong:\n${wrong.join('\n')}`).toEqual([]);
  });

  it('await data() of a disposed tensor rejects with an Error naming data', async () => {
    const t = tl.ones([2]);
    t.dispose();
    await expect((async () => t.data())()).rejects.toThrow(/^data: /);
  });
});

describe('the CPU allocator cache', () => {
  it('keeps freed blocks for reuse, reports them apart from live bytes, and emptyCache() returns them', () => {
    native.emptyCache();
    const start = native.nativeHeap();
    expect(start.cpuCachedBytes).toBe(0);
    const t = tl.randn([257, 33]); // 33,924 bytes: page-rounded in the cache
    const live = native.nativeHeap();
    expect(live.cpuLiveBytes - start.cpuLiveBytes).toBe(257 * 33 * 4);
    t.dispose();
    const freed = native.nativeHeap();
    expect(freed.cpuLiveBytes).toBe(start.cpuLiveBytes);
    expect(freed.cpuCachedBytes).toBe(Math.ceil((257 * 33 * 4) / 4096) * 4096);
    const again = tl.randn([257, 33]); // the same block comes back out of the cache
    expect(native.nativeHeap().cpuCachedBytes).toBe(0);
    again.dispose();
    native.emptyCache();
    expect(native.nativeHeap().cpuCachedBytes).toBe(0);
  });

  it('stays within 256 MB by giving back the least recently freed blocks: the sizes of a finished phase go, the loop working set stays', () => {
    native.emptyCache();
    const limit = 256 * 2 ** 20;
    // A phase of 40 distinct 10-20 MB sizes (a matrix inversion's recursion, say): 600 MB freed.
    for (let k = 0; k < 40; k++) tl.zeros([(10 + k / 4) * 2 ** 18]).dispose();
    expect(native.nativeHeap().cpuCachedBytes).toBeLessThanOrEqual(limit);
    expect(native.nativeHeap().cpuCachedBytes).toBeGreaterThan(limit / 2);
    // Then a loop over three sizes: after the first pass they are cached, and each pass takes
    // them out and puts them back, so the cache neither grows nor loses them.
    const loop = () => [3, 5, 7].map((mb) => tl.zeros([mb * 2 ** 18])).forEach((t) => t.dispose());
    loop();
    const cached = native.nativeHeap().cpuCachedBytes;
    for (let k = 0; k < 5; k++) {
      const live = [3, 5, 7].map((mb) => tl.zeros([mb * 2 ** 18]));
      expect(native.nativeHeap().cpuCachedBytes).toBe(cached - 15 * 2 ** 20); // all three came from the cache
      live.forEach((t) => t.dispose());
      expect(native.nativeHeap().cpuCachedBytes).toBe(cached);
    }
    // A block over a quarter of the limit is not cached: it would flush the rest.
    tl.zeros([80 * 2 ** 18]).dispose();
    expect(native.nativeHeap().cpuCachedBytes).toBe(cached);
    native.emptyCache();
    expect(native.nativeHeap().cpuCachedBytes).toBe(0);
  });
});

describe('garbage collection (child process with --expose-gc)', () => {
  let dist: string;
  beforeAll(async () => {
    dist = await ensureDist();
  });

  it('finalizers release tensors that were never disposed', async () => {
    const r = await runNodeScript(`
      import * as tl from ${JSON.stringify(dist)};
      const start = tl.memory();
      (function churn() {
        for (let i = 0; i < 3000; i++) {
          const t = tl.ones([64]);
          tl.mul(tl.add(t, 1), 2).reshape([8, 8]).T.reshape([64]);
        }
      })();
      const mid = tl.memory();
      for (let i = 0; i < 20 && tl.memory().tensors > start.tensors; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      console.log(JSON.stringify({ start, mid, end: tl.memory() }));
    `, { nodeArgs: ['--expose-gc'], timeoutMs: 60_000 });
    expect(r.code, describeChild(r)).toBe(0);
    const { start, mid, end } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(mid.tensors - start.tensors).toBeGreaterThan(1000); // they were alive before gc()
    expect(end.tensors).toBe(start.tensors);
    expect(end.cpuBytes).toBe(start.cpuBytes);
  });

  it('V8 sees native memory: abandoned large tensors are collected without explicit gc()', async () => {
    const r = await runNodeScript(`
      import * as tl from ${JSON.stringify(dist)};
      let peak = 0;
      for (let i = 0; i < 150; i++) {
        tl.ones([2 * 1024 * 1024]); // 8 MB each, 1.2 GB in all, never disposed
        peak = Math.max(peak, tl.memory().cpuBytes);
        if (i % 5 === 0) await new Promise((r) => setImmediate(r));
      }
      console.log(JSON.stringify({ peak }));
    `, { timeoutMs: 60_000 });
    expect(r.code, describeChild(r)).toBe(0);
    const { peak } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(peak).toBeLessThan(600 * 2 ** 20);
  });
});

describe('the event loop keeps running while data() copies', () => {
  const MB64 = 16 * 1024 * 1024; // float32 elements

  /**
   * The best of three measure1() runs: load on a shared machine (a sanitizer build, other jobs)
   * only ever adds time, so the minima compare the two calls and not the machine's moments.
   */
  async function measure(t: tl.Tensor) {
    const runs = [await measure1(t), await measure1(t), await measure1(t)];
    const best = runs.reduce((a, b) => (b.syncMs < a.syncMs ? b : a));
    return { ...best, dataSyncMs: Math.min(...runs.map((r) => r.dataSyncMs)), ticks: Math.max(...runs.map((r) => r.ticks)), totalMs: Math.max(...runs.map((r) => r.totalMs)) };
  }

  /** Times `await t.data()`: how long the call itself blocked, and interval ticks meanwhile. */
  async function measure1(t: tl.Tensor) {
    let ticks = 0;
    const iv = setInterval(() => ticks++, 1);
    await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    const p = t.data();
    const syncMs = performance.now() - t0;
    const ticks0 = ticks;
    const d = await p;
    const totalMs = performance.now() - t0;
    clearInterval(iv);
    const s0 = performance.now();
    const ds = t.dataSync();
    const dataSyncMs = performance.now() - s0;
    return { d, ds, syncMs, totalMs, dataSyncMs, ticks: ticks - ticks0 };
  }

  it('contiguous 64 MB tensor', async () => {
    const t = tl.arange(0, MB64, 1, { dtype: 'float32' });
    const m = await measure(t);
    expect(m.d.length).toBe(MB64);
    expect(m.d[MB64 - 1]).toBe(MB64 - 1);
    // The call returns long before the copy is done, and timers fire while it runs.
    expect(m.syncMs, JSON.stringify({ ...m, d: 0, ds: 0 })).toBeLessThan(Math.max(25, 0.25 * m.dataSyncMs));
    if (m.totalMs > 50) expect(m.ticks).toBeGreaterThan(0);
    t.dispose();
  });

  it('non-contiguous 64 MB view (API.md: data() never blocks the event loop)', async () => {
    const base = tl.arange(0, MB64, 1, { dtype: 'float32' }).reshape([4096, 4096]);
    const v = base.T;
    const m = await measure(v);
    expect(m.d.length).toBe(MB64);
    expect(m.d[1]).toBe(4096);
    expect(m.syncMs, `data() blocked the JS thread for ${m.syncMs.toFixed(0)} ms (dataSync() takes ${m.dataSyncMs.toFixed(0)} ms)`)
      .toBeLessThan(Math.max(25, 0.25 * m.dataSyncMs));
    base.dispose();
    v.dispose();
  });
});
