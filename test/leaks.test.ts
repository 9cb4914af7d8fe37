// Long runs must not leak: 20,000 training steps with tidy(), the same without it (the
// garbage collector's finalizers free dropped tensors), and create/dispose loops. Each runs
// in a fresh `node --expose-gc` on the compiled package, so the RSS figure is the library's
// and not the test runner's.
import { beforeAll, describe, expect, it } from 'vitest';
import { describeChild, runNodeScript } from './helpers/child.js';
import { distIndexUrl, ensureDist } from './helpers/dist.js';

const STEPS = Number(process.env.TL_LEAK_STEPS ?? 20000);

beforeAll(async () => {
  await ensureDist();
});

const harness = (body: string) => `
import * as tl from ${JSON.stringify(distIndexUrl)};
const settle = async () => { for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); } };
const rss = () => process.memoryUsage().rss / 2 ** 20;
tl.manualSeed(0);
const model = new tl.nn.Sequential(new tl.nn.Linear(8, 16), new tl.nn.ReLU(), new tl.nn.Dropout(0.1), new tl.nn.Linear(16, 1));
const opt = new tl.optim.Adam(model.parameters(), { lr: 1e-3 });
const x = tl.randn([32, 8]), y = tl.rand([32, 1]);
${body}
`;

async function measure(body: string): Promise<{ tensors: number; bytes: number; rssMb: number }> {
  const r = await runNodeScript(harness(body), { nodeArgs: ['--expose-gc'], timeoutMs: 280_000 });
  if (r.code !== 0) throw new Error(describeChild(r));
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

// Warm up (optimizer state, JIT, allocator caches), measure, run STEPS more, measure again.
const run = (step: string) => `
const step = () => { ${step} };
for (let i = 0; i < 500; i++) step();
await settle();
const m0 = tl.memory(), r0 = rss();
for (let i = 0; i < ${STEPS}; i++) { step(); if (i % 1000 === 0) await new Promise((r) => setImmediate(r)); }
await settle();
const m1 = tl.memory();
console.log(JSON.stringify({ tensors: m1.tensors - m0.tensors, bytes: m1.cpuBytes - m0.cpuBytes, rssMb: rss() - r0 }));
`;

describe(`${STEPS} training steps`, () => {
  it('inside tidy(): tensor count and bytes return to their start, RSS grows < 50 MB', async () => {
    const m = await measure(run(`tl.tidy(() => { opt.zeroGrad(); tl.losses.mse(model.forward(x).sigmoid(), y).backward(); opt.step(); });`));
    expect(m.tensors).toBe(0);
    expect(m.bytes).toBe(0);
    expect(m.rssMb).toBeLessThan(50);
  }, 300_000);

  it('without tidy(): dropped tensors are freed by the garbage collector', async () => {
    const m = await measure(run(`opt.zeroGrad(); tl.losses.mse(model.forward(x).sigmoid(), y).backward(); opt.step();`));
    expect(Math.abs(m.tensors)).toBeLessThanOrEqual(4); // the step in flight when measured
    expect(m.rssMb).toBeLessThan(50);
  }, 300_000);

  it('create / dispose loops leave nothing behind', async () => {
    const m = await measure(run(`
      const a = tl.randn([64, 64]), at = a.T, b = a.matmul(at), c = b.softmax(1);
      const o = tl.ones([1000]), v = o.reshape([10, 100]);
      for (const t of [a, at, b, c, o, v]) t.dispose();`));
    // Nothing may grow (the GC can still be collecting warm-up garbage: counts may shrink).
    expect(m.tensors).toBeLessThanOrEqual(0);
    expect(m.bytes).toBeLessThanOrEqual(0);
    expect(m.rssMb).toBeLessThan(50);
  }, 300_000);
});
