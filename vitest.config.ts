import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native kernels use every core; a fork per file keeps a crash isolated to that file.
    // --expose-gc lets memory tests collect garbage (and run tensor finalizers) before counting.
    pool: 'forks',
    execArgv: ['--expose-gc'],
    // One private temp dir per run, removed at its end (test/helpers/run-tmpdir.ts).
    globalSetup: ['test/helpers/run-tmpdir.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
