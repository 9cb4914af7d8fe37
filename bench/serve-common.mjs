// Shared by the serving benchmarks: a churn model with the default architecture (an ensemble
// of 5 TabularNets, as `tensorlift train` makes) trained briefly on data/mlc_churn.csv (speed
// does not depend on how well it fits), cached in the OS temp dir; and the real CLI run as a
// separate process, so the load generator never shares the server's event loop.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTensorlift, root } from './common.mjs';

export const churnCsv = join(root, 'data', 'mlc_churn.csv');

export async function benchModel() {
  const path = join(tmpdir(), 'tensorlift-bench-churn.safetensors');
  if (existsSync(path)) return path;
  const tl = await loadTensorlift();
  const m = await tl.presets.ChurnModel.fit(churnCsv, { target: 'churn', ensemble: 5, epochs: 3, seed: 1, onWarning() {} });
  await m.save(path);
  return path;
}

/** Starts `tensorlift <args>` and resolves with the child and the URL it prints ("... at http://..."). */
export function startCli(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '', err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`tensorlift ${args[0]} exited ${code}: ${err}`)));
  });
}

export const stop = (child) => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM'))));

/** The server's event-loop lag p99 in ms (prom-client's gauge; a scrape also starts a new window). */
export async function lagP99(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text)?.[1] ?? NaN) * 1000;
}

/**
 * autocannon on POST `${url}/predict`, 64 connections, the bodies in turn: `warmup` requests,
 * then `amount` timed to the last answer (autocannon notices `amount` is reached only at its
 * next 1-second tick, so its own duration is rounded up). `onStart` runs just before the timed part.
 */
export async function hammer(url, bodies, { warmup, amount, onStart = async () => {} }) {
  let i = 0;
  const opts = {
    url: `${url}/predict`, connections: 64, pipelining: 1, method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  };
  await autocannon({ ...opts, amount: warmup });
  await onStart();
  const t0 = performance.now();
  let last = t0;
  const run = autocannon({ ...opts, amount });
  run.on('response', () => (last = performance.now()));
  const result = await run;
  return { result, seconds: (last - t0) / 1000 };
}
