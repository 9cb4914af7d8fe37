// A real redis-server per test file, on a free localhost port, with no persistence; and a
// small client for the test's own reads and writes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

export function haveRedis(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisHandle {
  url: string;
  client: ReturnType<typeof createClient>;
  cmd: <T = unknown>(...args: (string | number)[]) => Promise<T>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisHandle> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Under test:asan the sanitizer runtime is preloaded for Node; redis-server is not built for it.
    env: { ...process.env, LD_PRELOAD: '' },
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
  const url = `redis://127.0.0.1:${port}`;
  const client = createClient({ RESP: 2, url });
  client.on('error', () => undefined);
  await client.connect();
  return {
    url, client,
    cmd: (...args) => client.sendCommand(args.map(String)),
    async stop() {
      await client.quit().catch(() => undefined);
      child.kill('SIGKILL');
    },
  };
}

/** The entries of a stream as { id, fields }. */
export async function entries(r: RedisHandle, key: string): Promise<{ id: string; f: Record<string, string> }[]> {
  const got = await r.cmd<[string, string[]][]>('XRANGE', key, '-', '+');
  return got.map(([id, kv]) => ({ id, f: Object.fromEntries(Array.from({ length: kv.length / 2 }, (_, i) => [kv[2 * i], kv[2 * i + 1]])) }));
}

/** Adds rows as entries { row: JSON } in one pipeline; returns their ids in order. */
export async function addRows(r: RedisHandle, key: string, rows: unknown[]): Promise<string[]> {
  return Promise.all(rows.map((row) => r.cmd<string>('XADD', key, '*', 'row', typeof row === 'string' ? row : JSON.stringify(row))));
}
