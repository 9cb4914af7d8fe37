// The GPU suite (test/cuda/*.test.mjs) is plain `node --test`, so it also runs on GPU
// machines without dev dependencies. Here it runs in a child process against the compiled
// package: on a machine without CUDA its suites skip, saying why, and only the status checks run.
import { describe, expect, it } from 'vitest';
import { describeChild, runNodeFile } from './helpers/child.js';
import { ensureDist, repoRoot } from './helpers/dist.js';
import { join } from 'node:path';

describe('CUDA suite (node --test test/cuda)', () => {
  it('passes, or skips with the reason CUDA is unavailable', async () => {
    await ensureDist();
    const r = await runNodeFile(join(repoRoot, 'test', 'cuda'), [], { nodeArgs: ['--test'], timeoutMs: 600_000, cwd: repoRoot });
    expect(r.code, describeChild(r)).toBe(0);
    expect(r.stdout).toMatch(/# fail 0/);
  }, 620_000);
});
