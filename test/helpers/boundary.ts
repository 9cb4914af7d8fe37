// Shared by the boundary-*.test.ts files: generated churn-like data (the suite needs no files
// beside the repository), a small trained model, files written into a temp dir, and the real
// CLI run in a child process.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tl from '../../lib/index.js';
import { ensureDist, repoRoot } from './dist.js';

export const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');

export function tempDir(tag: string): { dir: string; file: (name: string, content: string | Buffer) => string; path: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), `tl-${tag}-`));
  return {
    dir,
    path: (name) => join(dir, name),
    file: (name, content) => {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
  };
}

/** Rows with a learnable yes/no `churn`: short tenure, high spend and the 'basic' plan churn more. */
export function churnRows(n: number, seed = 1): Record<string, string>[] {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const plans = ['basic', 'plus', 'pro'], regions = ['north', 'south', 'east', 'west'];
  return Array.from({ length: n }, (_, i) => {
    const tenure = Math.floor(rand() * 72), spend = 20 + rand() * 100, plan = plans[Math.floor(rand() * 3)];
    const logit = -1 - tenure / 20 + (spend - 70) / 25 + (plan === 'basic' ? 1.2 : 0) + (rand() - 0.5) * 2;
    return {
      id: `c${i}`, tenure: String(tenure), spend: spend.toFixed(2), plan, region: regions[i % 4],
      churn: rand() < 1 / (1 + Math.exp(-logit)) ? 'yes' : 'no',
    };
  });
}

/** Customers and the offer each took: 'upgrade' with long tenure and high spend, 'discount' on the basic plan, else 'keep' (most). */
export function offerRows(n: number, seed = 1): Record<string, string>[] {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const plans = ['basic', 'plus', 'pro'], regions = ['north', 'south', 'east', 'west'];
  return Array.from({ length: n }, (_, i) => {
    const tenure = Math.floor(rand() * 72), spend = 20 + rand() * 100, plan = plans[Math.floor(rand() * 3)];
    const up = tenure / 18 + (spend - 70) / 20 - 2 + (rand() - 0.5) * 1.5, disc = (plan === 'basic' ? 1.5 : -1) - tenure / 40 + (rand() - 0.5) * 1.5;
    const offer = up > 0.5 && up > disc ? 'upgrade' : disc > 0.5 ? 'discount' : 'keep';
    return { id: `c${i}`, tenure: String(tenure), spend: spend.toFixed(2), plan, region: regions[i % 4], offer };
  });
}

/** CSV text for rows (every row has the same keys), quoting fields that need it. */
export function toCsv(rows: Record<string, unknown>[], delimiter = ',', eol = '\n'): string {
  const cols = Object.keys(rows[0]);
  const field = (v: unknown) => {
    const t = String(v ?? '');
    return t.includes(delimiter) || t.includes('"') || t.includes('\n') ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return [cols.join(delimiter), ...rows.map((r) => cols.map((c) => field(r[c])).join(delimiter))].join(eol) + eol;
}

/** A quickly trained churn model on generated rows (2 networks, a few epochs). */
export async function smallModel(rows = churnRows(400)): Promise<tl.presets.ChurnModel> {
  return tl.presets.ChurnModel.fit(rows, { target: 'churn', ensemble: 2, epochs: 4, seed: 1, onWarning: () => {} });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  ms: number;
}

/** Runs the real CLI (dist/cli/main.js) in a child process; never rejects. */
export async function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  await ensureDist();
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: opts.cwd, env: { ...process.env, DEBUG: '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(out);
      resolve({ code, signal, stdout: bytes.toString('utf8'), stderr, stdoutBytes: bytes, ms: performance.now() - t0 });
    });
  });
}

/** The lines of a failed run's stderr, for asserting "one line, no stack trace". */
export function errorLines(r: CliResult): string[] {
  return r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('tensorlift: warning:') && !/^(training|network) /.test(l));
}
