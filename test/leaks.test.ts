// Long runs must not leak: 20,000 training steps with tidy(), the same without it (the
// garbage collector's finalizers free dropped tensors), and create/dispose loops. Each runs
// in a fresh `node --expose-gc` on the compiled package, so the RSS figure is the library's
// and not the test runner's.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeChild, runNodeScript } from './helpers/child.js';
import { distIndexUrl, distNativeUrl, ensureDist } from './helpers/dist.js';

const STEPS = Number(process.env.TL_LEAK_STEPS ?? 20000);

beforeAll(async () => {
  await ensureDist();
});

const harness = (body: string) => `
import * as tl from ${JSON.stringify(distIndexUrl)};
import { native } from ${JSON.stringify(distNativeUrl)};
import { readFileSync } from 'node:fs';
// Collect, let finalizers and V8's background page release run, collect again.
const settle = async () => { for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 25)); } };
const mb = (b) => b / 2 ** 20;
const statusMb = (key) => { const m = readFileSync('/proc/self/status', 'utf8').match(new RegExp(key + ':\\\\s+(\\\\d+)')); return m ? Number(m[1]) / 1024 : 0; };
// Every part of the process's memory a leak could hide in, so a failure says which grew.
const snapshot = () => {
  const p = process.memoryUsage(), h = native.nativeHeap(), t = tl.memory();
  return { tensors: t.tensors, bytes: t.cpuBytes, rssMb: mb(p.rss), rssAnonMb: statusMb('RssAnon'), rssFileMb: statusMb('RssFile'),
    v8HeapUsedMb: mb(p.heapUsed), v8HeapTotalMb: mb(p.heapTotal), externalMb: mb(p.external),
    cachedMb: mb(h.cpuCachedBytes), mallocInUseMb: mb(h.mallocInUseBytes ?? 0), mallocArenaMb: mb(h.mallocArenaBytes ?? 0) };
};
tl.manualSeed(0);
const model = new tl.nn.Sequential(new tl.nn.Linear(8, 16), new tl.nn.ReLU(), new tl.nn.Dropout(0.1), new tl.nn.Linear(16, 1));
const opt = new tl.optim.Adam(model.parameters(), { lr: 1e-3 });
const x = tl.randn([32, 8]), y = tl.rand([32, 1]);
${body}
`;

interface Snapshot {
  tensors: number;
  bytes: number;
  rssMb: number;
  [part: string]: number;
}

interface Growth {
  /** The change of every figure over all the steps. */
  total: Snapshot;
  /** The same over the second half alone: a leak grows there too, a one-off rise does not. */
  secondHalf: Snapshot;
  start: Snapshot;
}

/** The figures, for failure messages: which part of the memory grew. */
const report = (g: Growth) => `growth over all steps ${JSON.stringify(g.total)}; over the second half ${JSON.stringify(g.secondHalf)}; at the start ${JSON.stringify(g.start)}`;

// Under AddressSanitizer (npm run test:asan) freed memory waits in a 256 MB quarantine before
// reuse, which is RSS growth by design; a small one keeps the figures about our allocations.
const sanitized = /libasan/.test(process.env.LD_PRELOAD ?? '');
const childEnv = sanitized
  ? { ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'quarantine_size_mb=4', 'thread_local_quarantine_size_kb=64'].filter(Boolean).join(':') }
  : {};

async function measure(body: string): Promise<Growth> {
  const r = await runNodeScript(harness(body), { nodeArgs: ['--expose-gc'], timeoutMs: 280_000, env: childEnv });
  if (r.code !== 0) throw new Error(describeChild(r));
  const g: Growth = JSON.parse(r.stdout.trim().split('\n').pop()!);
  if (process.env.TL_LEAK_VERBOSE) console.log(report(g));
  return g;
}

// Warm up (optimizer state, JIT, allocator caches), measure, run STEPS more in two halves,
// measuring after each.
const run = (step: string) => `
const step = () => { ${step} };
for (let i = 0; i < 500; i++) step();
await settle();
const half = async () => { for (let i = 0; i < ${STEPS / 2}; i++) { step(); if (i % 1000 === 0) await new Promise((r) => setImmediate(r)); } await settle(); return snapshot(); };
const s0 = snapshot(), s1 = await half(), s2 = await half();
const diff = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, Math.round((b[k] - a[k]) * 100) / 100]));
console.log(JSON.stringify({ total: diff(s0, s2), secondHalf: diff(s1, s2), start: s0 }));
`;

// A leak grows in both halves; what the second half adds is held to a tighter bound than the
// whole run, which also carries one-off rises (heap sizing, allocator caches filling up).
function expectNoGrowth(g: Growth) {
  expect(g.total.rssMb, report(g)).toBeLessThan(50);
  expect(g.secondHalf.rssMb, report(g)).toBeLessThan(25);
  expect(g.secondHalf.mallocInUseMb, report(g)).toBeLessThan(5);
  expect(g.secondHalf.v8HeapUsedMb, report(g)).toBeLessThan(5);
}

describe(`${STEPS} training steps`, () => {
  it('inside tidy(): tensor count and bytes return to their start, RSS grows < 50 MB', async () => {
    const g = await measure(run(`tl.tidy(() => { opt.zeroGrad(); tl.losses.mse(model.forward(x).sigmoid(), y).backward(); opt.step(); });`));
    expect(g.total.tensors, report(g)).toBe(0);
    expect(g.total.bytes, report(g)).toBe(0);
    expectNoGrowth(g);
  }, 300_000);

  it('without tidy(): dropped tensors are freed by the garbage collector', async () => {
    const g = await measure(run(`opt.zeroGrad(); tl.losses.mse(model.forward(x).sigmoid(), y).backward(); opt.step();`));
    expect(Math.abs(g.total.tensors), report(g)).toBeLessThanOrEqual(4); // the step in flight when measured
    expectNoGrowth(g);
  }, 300_000);

  it('create / dispose loops leave nothing behind', async () => {
    const g = await measure(run(`
      const a = tl.randn([64, 64]), at = a.T, b = a.matmul(at), c = b.softmax(1);
      const o = tl.ones([1000]), v = o.reshape([10, 100]);
      for (const t of [a, at, b, c, o, v]) t.dispose();`));
    // Nothing may grow (the GC can still be collecting warm-up garbage: counts may shrink).
    expect(g.total.tensors, report(g)).toBeLessThanOrEqual(0);
    expect(g.total.bytes, report(g)).toBeLessThanOrEqual(0);
    expectNoGrowth(g);
  }, 300_000);
});
