// vitest globalSetup: every test run writes its temp files (models, CSVs, worker-pool snapshots,
// CLI children's files) under one private directory, removed when the run ends. Tests then need
// no cleanup of their own, and a run no longer leaves ~90 MB of model files in /tmp each time.
// TMPDIR is what os.tmpdir() reads, and the test forks and CLI children inherit it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const outer = tmpdir();
  const dir = mkdtempSync(join(outer, 'tensorlift-test-run-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    // The library's own temp dirs (worker-pool snapshots, `--out -` buffers) are removed by the
    // library when it is done with them: any still here is a leak, named so it gets fixed.
    const leaked = readdirSync(dir).filter((name) => /^tensorlift-(pool-)?[A-Za-z0-9]{6}$/.test(name));
    if (leaked.length > 0) process.stderr.write(`tensorlift tests: the library left temp dirs behind: ${leaked.join(', ')}\n`);
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true });
  };
}
