// Runs Node scripts in child processes, so tests can check what must never take down (or
// hang) the test runner itself: crashes, deadlocks, GC behaviour, module loading, workers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Killed with SIGKILL after this long (a hung native call cannot be interrupted otherwise). */
  timeoutMs?: number;
  nodeArgs?: string[];
}

/** Runs `node [nodeArgs] file [args]` and collects its output. Never rejects. */
export function runNodeFile(file: string, args: string[] = [], opts: ChildOptions = {}): Promise<ChildResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), file, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: performance.now() - t0 });
    });
  });
}

/** Writes `source` to a fresh temp dir as `name` and runs it (the dir is removed afterwards). */
export async function runNodeScript(source: string, opts: ChildOptions & { name?: string; args?: string[] } = {}): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tensorlift-test-'));
  try {
    const file = join(dir, opts.name ?? 'script.mjs');
    writeFileSync(file, source);
    return await runNodeFile(file, opts.args ?? [], { ...opts, cwd: opts.cwd ?? dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A one-line summary for assertion messages. */
export function describeChild(r: ChildResult): string {
  const how = r.timedOut ? `timed out after ${Math.round(r.ms)} ms (killed)` : `exit code ${r.code}, signal ${r.signal}`;
  return `${how}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`;
}
