// Scoring Redis Streams against a real redis-server (each test starts its own on a free port):
// predictions written to the output stream before the entry is acknowledged; malformed entries
// and rows that keep failing go to the dead-letter stream; a consumer killed with SIGKILL in
// the middle of a stream loses nothing (the others claim its entries) and duplicates stay
// within one batch; reading pauses while the output stream is over its high-water mark.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { churnRows, cliPath, runCli, smallModel, tempDir } from './helpers/boundary.js';
import { ensureDist } from './helpers/dist.js';
import { type RedisHandle, addRows, entries, haveRedis, startRedis } from './helpers/redis.js';
import { stubPredictor, waitFor } from './helpers/serve.js';

const t = tempDir('events');
const features = churnRows(300, 4).map(({ churn: _c, ...r }) => r);
let model: tl.presets.ChurnModel;
const modelFile = t.path('churn.safetensors');
let redis: RedisHandle | undefined;
const consumers: tl.Consumer[] = [];

beforeAll(async () => {
  if (!haveRedis()) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  await ensureDist();
  model = await smallModel(churnRows(300, 7));
  await model.save(modelFile);
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.close().catch(() => undefined)));
  await redis?.stop();
  redis = undefined;
});

const pendingCount = async (r: RedisHandle, stream: string, group: string) => Number((await r.cmd<[number]>('XPENDING', stream, group))[0]);

describe('tl.serve.consume', () => {
  it('writes { id, prediction } for every entry, then acknowledges it', async () => {
    redis = await startRedis();
    const ids = await addRows(redis, 'in', features.slice(0, 200));
    const c = await tl.serve.consume(model, { redis: redis.url, stream: 'in', group: 'g', outStream: 'out', batch: 32, blockMs: 50 });
    consumers.push(c);
    await waitFor(async () => Number(await redis!.cmd('XLEN', 'out')) === 200);
    const out = await entries(redis, 'out');
    expect(out.map((e) => e.f.id)).toEqual(ids);
    const expected = model.predict(features.slice(0, 200));
    out.forEach((e, i) => expect(JSON.parse(e.f.prediction)).toBeCloseTo(expected[i], 6)); // float32 sums differ in the last bits by batch size
    await waitFor(async () => (await pendingCount(redis!, 'in', 'g')) === 0);
    expect(c.stats).toMatchObject({ read: 200, scored: 200, deadLettered: 0 });
  });

  it('dead-letters entries that cannot be parsed or checked, with the reason, and scores the rest', async () => {
    redis = await startRedis();
    await addRows(redis, 'in', [features[0]]);
    await redis.cmd('XADD', 'in', '*', 'other', 'x');
    await addRows(redis, 'in', ['{not json', '[1,2]', { ...features[1], tenure: 'long' }, { plan: 'basic' }, features[2]]);
    const c = await tl.serve.consume(model, { redis: redis.url, stream: 'in', group: 'g', outStream: 'out', blockMs: 50 });
    consumers.push(c);
    await waitFor(async () => Number(await redis!.cmd('XLEN', 'in:dead')) === 5 && Number(await redis!.cmd('XLEN', 'out')) === 2);
    const why = (await entries(redis, 'in:dead')).map((e) => e.f.error);
    expect(why[0]).toBe("the entry has no 'row' field (a JSON object of column values)");
    expect(why[1]).toMatch(/^'row' is not valid JSON/);
    expect(why[2]).toBe('row: expected an object of column values, got an array');
    expect(why[3]).toBe("row, column 'tenure': expected a number, got \"long\"");
    expect(why[4]).toMatch(/^row: missing columns 'tenure', 'spend'/);
    await waitFor(async () => (await pendingCount(redis!, 'in', 'g')) === 0);
  });

  it('retries a row that fails the model, then dead-letters it after maxAttempts deliveries', async () => {
    redis = await startRedis();
    await addRows(redis, 'in', [{ x: 1 }, { x: -1 }, { x: 3 }]);
    const c = await tl.serve.consume({ stub: stubPredictor() }, { redis: redis.url, stream: 'in', group: 'g', outStream: 'out', blockMs: 20, claimIdleMs: 50, maxAttempts: 3 });
    consumers.push(c);
    await waitFor(async () => Number(await redis!.cmd('XLEN', 'in:dead')) === 1);
    expect((await entries(redis, 'out')).map((e) => e.f.prediction)).toEqual(['2', '6']);
    const [deadEntry] = await entries(redis, 'in:dead');
    expect(deadEntry.f.error).toMatch(/^delivered 4 times without being scored/);
    expect(JSON.parse(deadEntry.f.row)).toEqual({ x: -1 });
    await waitFor(async () => (await pendingCount(redis!, 'in', 'g')) === 0);
  });

  it('pauses while the output stream is over its high-water mark', async () => {
    redis = await startRedis();
    await addRows(redis, 'in', Array.from({ length: 200 }, (_, i) => ({ x: i })));
    const c = await tl.serve.consume({ stub: stubPredictor() }, { redis: redis.url, stream: 'in', group: 'g', outStream: 'out', batch: 10, blockMs: 20, outHighWater: 50 });
    consumers.push(c);
    await waitFor(async () => c.stats.paused > 3);
    const held = Number(await redis.cmd('XLEN', 'out'));
    expect(held).toBeGreaterThan(50);
    expect(held).toBeLessThanOrEqual(60);
    // A downstream that keeps up (empties the stream): scoring goes on to the end.
    await waitFor(async () => {
      await redis!.cmd('XTRIM', 'out', 'MAXLEN', 0);
      return c.stats.scored === 200;
    });
  });
});

describe('tl.serve.consume with workers', () => {
  it('scores batches side by side on worker threads: each entry once, bad ones dead-lettered, the pool gone after close()', async () => {
    redis = await startRedis();
    const rows = features.slice(0, 240);
    const ids = await addRows(redis, 'in', rows.slice(0, 120));
    await addRows(redis, 'in', ['{not json', { ...features[1], tenure: 'long' }]);
    ids.push(...(await addRows(redis, 'in', rows.slice(120))));
    const c = await tl.serve.consume(modelFile, { redis: redis.url, stream: 'in', group: 'g', outStream: 'out', batch: 16, blockMs: 50, workers: 2 });
    await waitFor(async () => Number(await redis!.cmd('XLEN', 'out')) === 240 && Number(await redis!.cmd('XLEN', 'in:dead')) === 2);
    await waitFor(async () => (await pendingCount(redis!, 'in', 'g')) === 0);
    const out = await entries(redis, 'out');
    // Batches finish in any order; each entry is written once, with its own prediction.
    expect(new Set(out.map((e) => e.f.id))).toEqual(new Set(ids));
    expect(out).toHaveLength(240);
    const expected = new Map(ids.map((id, i) => [id, model.predict([rows[i]])[0]]));
    for (const e of out) expect(JSON.parse(e.f.prediction)).toBeCloseTo(expected.get(e.f.id)!, 5);
    expect(c.stats).toMatchObject({ read: 242, scored: 240, deadLettered: 2 });
    await c.close();
    // The pool's model snapshot is removed with its workers.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('tensorlift-pool-'))).toEqual([]);
    await expect(tl.serve.consume(modelFile, { redis: redis.url, stream: 'in', group: 'g', outStream: 'out', workers: -1 })).rejects.toThrow(/workers must be an integer from 0 to 256/);
  });
});

describe('tensorlift consume', () => {
  it('fails in one line when Redis cannot be reached', async () => {
    const r = await runCli(['consume', '--model', modelFile, '--redis', 'redis://127.0.0.1:1', '--stream', 's', '--group', 'g', '--out-stream', 'o']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^tensorlift: consume: cannot connect to redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a consumer killed with SIGKILL mid-stream loses no entry; duplicates stay within one batch', async () => {
    redis = await startRedis();
    const N = 3000, batch = 25;
    const ids = await addRows(redis, 'in', Array.from({ length: N }, (_, i) => features[i % 300]));
    const start = (name: string) => {
      const child = spawn(process.execPath, [cliPath, 'consume', '--model', modelFile, '--redis', redis!.url, '--stream', 'in', '--group', 'g', '--out-stream', 'out',
        '--consumer', name, '--batch', String(batch), '--block-ms', '50', '--claim-idle-ms', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, exit, err: () => err };
    };
    const a = start('a');
    await waitFor(async () => Number(await redis!.cmd('XLEN', 'out')) >= 400, 30_000);
    a.child.kill('SIGKILL');
    await a.exit;
    expect(Number(await redis.cmd('XLEN', 'out'))).toBeLessThan(N); // killed mid-stream
    // Almost always it dies holding a batch it had read (pending); rarely between two batches.
    const held = await pendingCount(redis, 'in', 'g');
    const b = start('b');
    await waitFor(async () => new Set((await entries(redis!, 'out')).map((e) => e.f.id)).size === N, 60_000);
    await waitFor(async () => (await pendingCount(redis!, 'in', 'g')) === 0, 30_000);
    b.child.kill('SIGTERM');
    expect(await b.exit).toBe(0);
    if (held > 0) expect(b.err()).toMatch(/claimed \d+ idle entries/);
    const out = (await entries(redis, 'out')).map((e) => e.f.id);
    expect(new Set(out)).toEqual(new Set(ids));
    expect(out.length - N).toBeLessThanOrEqual(batch); // at most the batch a was writing when it died
    expect(Number(await redis.cmd('XLEN', 'in:dead'))).toBe(0);
  });

  it('--workers 2 scores the stream and stops cleanly on SIGTERM', async () => {
    redis = await startRedis();
    const ids = await addRows(redis, 'in', features.slice(0, 300));
    const child = spawn(process.execPath, [cliPath, 'consume', '--model', modelFile, '--redis', redis.url, '--stream', 'in', '--group', 'g', '--out-stream', 'out',
      '--batch', '20', '--block-ms', '50', '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor(async () => Number(await redis!.cmd('XLEN', 'out')) === 300 && (await pendingCount(redis!, 'in', 'g')) === 0, 30_000);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(err).toMatch(/SIGTERM: finishing the batches in hand[\s\S]*stopped: 300 scored/);
    expect(new Set((await entries(redis, 'out')).map((e) => e.f.id))).toEqual(new Set(ids));
  });
});
