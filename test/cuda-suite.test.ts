// The GPU suite (test/cuda/*.test.mjs) is plain `node --test`, so it also runs on GPU
// machines without dev dependencies. Here it runs in a child process against the compiled
// package: on a machine without CUDA every comparison runs with both sides on the CPU (the
// tests' own shapes and options get checked everywhere) and the device-only checks skip,
// saying why; TENSORLIFT_REQUIRE_CUDA=1 must turn a missing GPU into a failure. The GPU
// benchmark's dry run checks that script the same way.
import { describe, expect, it } from 'vitest';
import { describeChild, runNodeFile } from './helpers/child.js';
import { ensureDist, repoRoot } from './helpers/dist.js';
import { join } from 'node:path';
import * as tl from '../lib/index.js';

const gpu = tl.cuda.status().available;

describe('CUDA suite (node --test test/cuda)', () => {
  it('passes, on the GPU or in its CPU-side run', async () => {
    await ensureDist();
    const r = await runNodeFile(join(repoRoot, 'test', 'cuda'), [], {
      nodeArgs: ['--test'], timeoutMs: 600_000, cwd: repoRoot, env: { TENSORLIFT_REQUIRE_CUDA: '' },
    });
    expect(r.code, describeChild(r)).toBe(0);
    expect(r.stdout).toMatch(/# fail 0/);
    expect(r.stdout).toMatch(/# pass [1-9]/);
  }, 620_000);

  it.skipIf(gpu)('fails, saying why, with TENSORLIFT_REQUIRE_CUDA=1 where CUDA is unavailable', async () => {
    await ensureDist();
    const r = await runNodeFile(join(repoRoot, 'test', 'cuda', 'runtime.test.mjs'), [], {
      nodeArgs: ['--test'], timeoutMs: 120_000, cwd: repoRoot, env: { TENSORLIFT_REQUIRE_CUDA: '1' },
    });
    expect(r.code, describeChild(r)).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/TENSORLIFT_REQUIRE_CUDA=1 but CUDA is unavailable: \S/);
  }, 130_000);
});

describe('GPU benchmark (bench/cuda.mjs)', () => {
  it.skipIf(gpu)('skips without a GPU, fails with TENSORLIFT_REQUIRE_CUDA=1', async () => {
    await ensureDist();
    const bench = join(repoRoot, 'bench', 'cuda.mjs');
    const skip = await runNodeFile(bench, [], { cwd: repoRoot, env: { TENSORLIFT_REQUIRE_CUDA: '' } });
    expect(skip.code, describeChild(skip)).toBe(0);
    expect(skip.stdout).toMatch(/skipped, CUDA is unavailable/);
    const fail = await runNodeFile(bench, [], { cwd: repoRoot, env: { TENSORLIFT_REQUIRE_CUDA: '1' } });
    expect(fail.code, describeChild(fail)).toBe(1);
  }, 60_000);

  it('runs every workload in its dry run (toy sizes on the CPU)', async () => {
    await ensureDist();
    // The PyTorch peer runs too (on the CPU) where a Python with PyTorch is found; either way
    // the script must get through every table.
    const r = await runNodeFile(join(repoRoot, 'bench', 'cuda.mjs'), ['--dry-run'], { cwd: repoRoot, timeoutMs: 120_000 });
    expect(r.code, describeChild(r)).toBe(0);
    for (const title of ['GEMM', 'conv2d', 'Memory-bound', 'Batch norm', 'Adam step', 'Training step']) expect(r.stdout).toContain(title);
  }, 130_000);
});
