// The package as users load it: require('tensorlift') from CommonJS, `import * as tl from
// 'tensorlift'` from ESM (both from a temp dir whose node_modules/tensorlift links to this
// repo, after building dist/), and the addon inside worker_threads. Everything runs in child
// processes with a timeout, so a hang in native code fails a test instead of the runner.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildResult, describeChild, runNodeFile } from './helpers/child.js';
import { ensureDist, repoRoot } from './helpers/dist.js';

let dir: string;

beforeAll(async () => {
  await ensureDist();
  dir = mkdtempSync(join(tmpdir(), 'tensorlift-module-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repoRoot, join(dir, 'node_modules', 'tensorlift'), 'dir');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, source: string, timeoutMs = 20_000): Promise<ChildResult> {
  writeFileSync(join(dir, name), source);
  return runNodeFile(join(dir, name), [], { cwd: dir, timeoutMs });
}

const lastJson = (r: ChildResult) => JSON.parse(r.stdout.trim().split('\n').pop()!);

describe('loading the package', () => {
  it("require('tensorlift') from CommonJS", async () => {
    const r = await run('req.cjs', `
      const tl = require('tensorlift');
      const a = tl.tensor([[1, 2], [3, 4]]);
      const c = tl.matmul(a, a);
      console.log(JSON.stringify({
        keys: Object.keys(tl).sort(), c: c.toArray(), sum: tl.sum(c).item(), threads: tl.getNumThreads(),
        isTensor: tl.isTensor(c), tidy: tl.tidy(() => tl.ones([2]).sum().item()),
      }));
    `);
    expect(r.code, describeChild(r)).toBe(0);
    const out = lastJson(r);
    expect(out.c).toEqual([[7, 10], [15, 22]]);
    expect(out.sum).toBe(54);
    expect(out.isTensor).toBe(true);
    expect(out.tidy).toBe(2);
    expect(out.threads).toBeGreaterThanOrEqual(1);
    for (const k of ['tensor', 'zeros', 'matmul', 'add', 'sum', 'softmax', 'tidy', 'memory', 'Tensor', 'manualSeed', 'setNumThreads'])
      expect(out.keys).toContain(k);
  });

  it("import * as tl from 'tensorlift' (and the same exports as require)", async () => {
    const r = await run('imp.mjs', `
      import * as tl from 'tensorlift';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('tensorlift');
      const t = tl.softmax(tl.tensor([0, Math.log(3)]), 0);
      console.log(JSON.stringify({ p: Array.from(t.dataSync()), same: Object.keys(tl).sort().join() === Object.keys(cjs).sort().join(),
        sameClass: cjs.Tensor === tl.Tensor, dataType: (await t.data()).constructor.name }));
    `);
    expect(r.code, describeChild(r)).toBe(0);
    const out = lastJson(r);
    expect(out.p[0]).toBeCloseTo(0.25, 6);
    expect(out.p[1]).toBeCloseTo(0.75, 6);
    expect(out.same).toBe(true);
    expect(out.sameClass).toBe(true);
    expect(out.dataType).toBe('Float32Array');
  });
});

// Two workers at once, each computing a seeded matmul; the main thread checks the product,
// that each worker's seed state and thread count are its own, and that neither disturbed the
// main thread's.
const WORKER = (setThreads: boolean) => `
  import { parentPort, workerData } from 'node:worker_threads';
  import * as tl from 'tensorlift';
  ${setThreads ? 'tl.setNumThreads(workerData.threads);' : ''}
  tl.manualSeed(workerData.seed);
  const a = tl.rand([65, 33]), b = tl.randn([33, 40]);
  const c = tl.matmul(a, b);
  parentPort.postMessage({ threads: tl.getNumThreads(), a: a.dataSync(), b: b.dataSync(), c: c.dataSync(), mem: tl.memory() });
`;
const MAIN = (workerFile: string, threads: [number, number]) => `
  import { Worker } from 'node:worker_threads';
  import * as tl from 'tensorlift';
  const mainThreads = tl.getNumThreads();
  tl.manualSeed(99);
  const before = tl.rand([5]).dataSync();
  const run = (threads, seed) => new Promise((resolve, reject) => {
    const w = new Worker(new URL('./${workerFile}', import.meta.url), { workerData: { threads, seed } });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const results = await Promise.all([run(${threads[0]}, 1), run(${threads[1]}, 2)]);
  const after = tl.rand([5]).dataSync();
  const out = { workers: [], mainThreadsUnchanged: tl.getNumThreads() === mainThreads };
  tl.manualSeed(99);
  const again = tl.rand([5]).dataSync(), again2 = tl.rand([5]).dataSync();
  out.mainSeedUndisturbed = before.every((v, i) => v === again[i]) && after.every((v, i) => v === again2[i]);
  for (const [i, r] of results.entries()) {
    let worst = 0;
    for (let p = 0; p < 65; p++) for (let q = 0; q < 40; q++) {
      let s = 0, m = 0;
      for (let k = 0; k < 33; k++) { s += r.a[p * 33 + k] * r.b[k * 40 + q]; m += Math.abs(r.a[p * 33 + k] * r.b[k * 40 + q]); }
      worst = Math.max(worst, Math.abs(r.c[p * 40 + q] - s) / (1e-5 * m + 1e-6));
    }
    tl.manualSeed(i + 1); // the same seed on the main thread draws the same numbers
    const a = tl.rand([65, 33]).dataSync();
    out.workers.push({ threads: r.threads, worst, sameDraws: a.every((v, k) => v === r.a[k]), tensors: r.mem.tensors });
  }
  out.differentSeeds = results[0].a.some((v, k) => v !== results[1].a[k]);
  console.log(JSON.stringify(out));
`;

describe('worker_threads', () => {
  it('two workers at once compute a matmul with their own seed state (default thread count)', async () => {
    await run('worker-default.mjs', WORKER(false));
    const r = await run('main-default.mjs', MAIN('worker-default.mjs', [0, 0]));
    expect(r.code, describeChild(r)).toBe(0);
    const out = lastJson(r);
    expect(out.mainThreadsUnchanged).toBe(true);
    expect(out.mainSeedUndisturbed).toBe(true);
    expect(out.differentSeeds).toBe(true);
    for (const w of out.workers) {
      expect(w.worst).toBeLessThanOrEqual(1);
      expect(w.sameDraws).toBe(true);
    }
  });

  it('each worker sets its own thread count (1 and 2) right after loading', async () => {
    await run('worker-threads.mjs', WORKER(true));
    const r = await run('main-threads.mjs', MAIN('worker-threads.mjs', [1, 2]), 15_000);
    expect(r.code, describeChild(r)).toBe(0);
    const out = lastJson(r);
    expect(out.workers.map((w: { threads: number }) => w.threads)).toEqual([1, 2]);
    expect(out.mainThreadsUnchanged).toBe(true);
    expect(out.mainSeedUndisturbed).toBe(true);
    for (const w of out.workers) {
      expect(w.worst).toBeLessThanOrEqual(1);
      expect(w.sameDraws).toBe(true);
    }
  });
});

describe('thread pool resizing', () => {
  it('setNumThreads back to back (no work in between) returns', async () => {
    const r = await run('resize.mjs', `
      import * as tl from 'tensorlift';
      tl.setNumThreads(2);
      tl.setNumThreads(2);
      tl.setNumThreads(3);
      tl.setNumThreads(1);
      tl.setNumThreads(2);
      console.log(JSON.stringify({ threads: tl.getNumThreads(), sum: tl.sum(tl.ones([1000000])).item() }));
    `, 10_000);
    expect(r.code, describeChild(r)).toBe(0);
    expect(lastJson(r)).toEqual({ threads: 2, sum: 1000000 });
  });

  it('a process that loads the addon and exits right away exits cleanly', async () => {
    const r = await run('quick.mjs', `import * as tl from 'tensorlift'; console.log(tl.getNumThreads() >= 1);`, 10_000);
    expect(r.code, describeChild(r)).toBe(0);
    expect(r.stdout.trim()).toBe('true');
  });
});
