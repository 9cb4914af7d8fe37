// The typings as a strict TypeScript user meets them: test/fixtures/typings/strict-user.ts
// must compile without casts against dist/'s .d.ts files (and its @ts-expect-error lines
// must really be errors).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, repoRoot } from './helpers/dist.js';

beforeAll(async () => {
  await ensureDist();
});

describe('typings', () => {
  it('strict user code compiles: typed reads, callable Modules, typed tl.load', () => {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', join(repoRoot, 'test', 'fixtures', 'typings', 'tsconfig.json')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 60_000);
});
