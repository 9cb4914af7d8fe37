// Builds dist/ (the package's compiled JS, what `require('tensorlift')`, child processes and
// worker_threads load) once per version of lib/: a content hash of lib/ + tsconfig.json is
// stamped in the OS temp dir, and a lock directory keeps test files that run in parallel
// from compiling into dist/ at the same time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distIndex = join(repoRoot, 'dist', 'index.js');
export const distIndexUrl = pathToFileURL(distIndex).href;
export const distNativeUrl = pathToFileURL(join(repoRoot, 'dist', 'native.js')).href;

function libHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) h.update(p).update(readFileSync(p));
    }
  };
  walk(join(repoRoot, 'lib'));
  h.update(readFileSync(join(repoRoot, 'tsconfig.json')));
  return h.digest('hex');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Makes sure dist/ matches lib/ (compiling with tsc if needed); returns dist/index.js's URL. */
export async function ensureDist(): Promise<string> {
  const tag = createHash('sha256').update(repoRoot).digest('hex').slice(0, 12);
  const stamp = join(tmpdir(), `tensorlift-dist-${tag}.stamp`);
  const lock = join(tmpdir(), `tensorlift-dist-${tag}.lock`);
  const fresh = (hash: string) => existsSync(distIndex) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash;
  let hash = libHash();
  if (fresh(hash)) return distIndexUrl;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is compiling; a lock older than 2 minutes is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone already */
      }
      if (Date.now() > deadline) throw new Error(`ensureDist: timed out waiting for ${lock}`);
      await sleep(100);
    }
  }
  try {
    hash = libHash();
    if (fresh(hash)) return distIndexUrl;
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: repoRoot, encoding: 'utf8' });
    // tsc still emits on type errors (someone may be mid-edit in lib/), and what it emits
    // depends only on the sources; only a missing output is fatal.
    if (!existsSync(distIndex))
      throw new Error(`ensureDist: tsc produced no dist/index.js (exit ${r.status})\n${r.stdout}\n${r.stderr}`);
    writeFileSync(stamp, hash);
    return distIndexUrl;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
