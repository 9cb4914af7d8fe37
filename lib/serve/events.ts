// Event-driven scoring on Redis Streams (tl.serve.consume, `tensorlift consume`): consumers of
// one group share a stream; each reads entries in batches (XREADGROUP), scores their `row`
// fields in one forward pass, adds { id, prediction } to the output stream, and only then
// acknowledges them (XACK). A consumer that dies leaves its entries pending: the others claim
// them once idle for `claimIdleMs` (XAUTOCLAIM), so no entry is lost; what a dead consumer had
// written but not acknowledged is written again (at-least-once: duplicates are bounded by the
// batches in hand at its death: one, or up to `workers`). Entries that cannot be parsed or
// checked, and entries delivered `maxAttempts` times without success (a row that fails the
// model, or kills its consumers), go to a dead-letter stream with the reason. Reading pauses
// while the output stream is longer than `outHighWater` (backpressure on a slow downstream).
// Without workers a batch is read only when the last one is written and acknowledged; with
// `workers` N, a pool of N worker threads scores and up to N batches are in hand at once (their
// outputs may interleave: each carries its entry id). The blocking reads then use a second
// connection, so they never hold up the writes.
import { hostname } from 'node:os';
import { createClient } from 'redis';
import type { Row } from '../data/table.js';
import { type ModelsArg, loadModels } from './models.js';
import { type Predictor, runPredict } from './predictor.js';
import { checkRow } from './validate.js';

export interface ConsumeOptions {
  /** redis://host:port (default redis://127.0.0.1:6379). */
  redis?: string;
  stream: string;
  group: string;
  /** Where { id, prediction } entries go. */
  outStream: string;
  /** This consumer's name in the group (default host-pid: a restarted process is a new consumer). */
  consumer?: string;
  /** Entries per read and forward pass. Default 64. */
  batch?: number;
  /** How long a read waits for entries, in ms (also how long close() may wait). Default 500. */
  blockMs?: number;
  /** A pending entry idle this long (ms) is claimed from its consumer, presumed dead. Default 30000. */
  claimIdleMs?: number;
  /** Deliveries before an entry that keeps failing goes to the dead-letter stream. Default 3. */
  maxAttempts?: number;
  /** Default `${stream}:dead`. */
  deadLetterStream?: string;
  /** Where a new group starts: '0' (every entry in the stream, default) or '$' (new ones only). */
  from?: '0' | '$';
  /** Pause reading while the output stream has more entries than this. Default: never. */
  outHighWater?: number;
  /** Worker threads scoring batches side by side (0, default: batches scored on this thread, one at a time). */
  workers?: number;
  /** Lines worth a log (claims, dead letters, pauses). */
  log?: (line: string) => void;
  onWarning?: (message: string) => void;
}

export interface ConsumerStats {
  read: number;
  scored: number;
  claimed: number;
  deadLettered: number;
  batches: number;
  paused: number;
}

export interface Consumer {
  readonly name: string;
  readonly stats: ConsumerStats;
  /** Resolves when the loop ends (after close(), or rejects on a fatal Redis error). */
  readonly done: Promise<void>;
  /** Finishes the batches in hand (written and acknowledged), stops the workers, then disconnects. */
  close(): Promise<void>;
}

type Fields = string[];
type Entry = [id: string, fields: Fields | null];

const fieldOf = (fields: Fields, name: string): string | undefined => {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
};
const oneLine = (e: unknown) => String((e as Error)?.message ?? e).replace(/\s*\n\s*/g, ' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The row of an entry, or why it has none (bad JSON, not an object, a bad column). */
function parseEntry(fields: Fields | null, p: Predictor): Row | string {
  if (!fields) return 'the entry was deleted from the stream';
  const text = fieldOf(fields, 'row');
  if (text === undefined) return "the entry has no 'row' field (a JSON object of column values)";
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (e) {
    return `'row' is not valid JSON (${oneLine(e).slice(0, 120)})`;
  }
  try {
    return checkRow(row, p.inputSchema, 'row');
  } catch (e) {
    return oneLine(e);
  }
}

export async function consume(model: ModelsArg, opts: ConsumeOptions): Promise<Consumer> {
  for (const k of ['stream', 'group', 'outStream'] as const)
    if (typeof opts?.[k] !== 'string' || !opts[k]) throw new TypeError(`consume: options.${k} is required`);
  const workers = opts.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new RangeError(`consume: workers must be an integer from 0 to 256, got ${String(opts.workers)}`);
  const models = await loadModels(model, { onWarning: opts.onWarning, workers });
  const predictor = [...models.values()][0].predictor;
  if (models.size !== 1) {
    await Promise.all([...models.values()].map((m) => m.predictor.close?.()));
    throw new TypeError('consume: give one model (a preset or a model file path)');
  }
  const inHand = Math.max(1, workers);
  const { stream, group, outStream } = opts;
  const name = opts.consumer ?? `${hostname()}-${process.pid}`;
  const batch = opts.batch ?? 64, blockMs = opts.blockMs ?? 500, claimIdleMs = opts.claimIdleMs ?? 30_000;
  const maxAttempts = opts.maxAttempts ?? 3, dead = opts.deadLetterStream ?? `${stream}:dead`;
  const log = opts.log ?? (() => undefined);
  const stats: ConsumerStats = { read: 0, scored: 0, claimed: 0, deadLettered: 0, batches: 0, paused: 0 };

  // RESP2: replies as plain arrays (RESP3, node-redis' default, turns XREADGROUP's into maps).
  // A server that cannot be reached at the start is an error at once; once connected, a
  // restart or failover of Redis is waited out (about 30 s of retries).
  let connected = false;
  const url = opts.redis ?? 'redis://127.0.0.1:6379';
  const client = createClient({
    RESP: 2, url,
    socket: { connectTimeout: 5000, reconnectStrategy: (n) => ((!connected && n >= 2) || n > 20 ? new Error(`cannot reach ${url}`) : Math.min(50 * 2 ** n, 2000)) },
  });
  let lastError: unknown;
  client.on('error', (e) => (lastError = e)); // node-redis reconnects; a listener keeps 'error' from being fatal
  // With batches side by side, XREADGROUP ... BLOCK gets a connection of its own: a blocked
  // command holds up every command queued behind it on its connection.
  const reader = inHand > 1 ? client.duplicate() : client;
  if (reader !== client) reader.on('error', (e) => (lastError = e));
  try {
    await client.connect();
    if (reader !== client) await reader.connect();
  } catch (e) {
    await predictor.close?.();
    await Promise.all([client, reader].map((c) => (c.isOpen ? c.quit().catch(() => c.destroy()) : undefined)));
    throw new Error(`consume: cannot connect to ${url}: ${oneLine(lastError ?? e)}`);
  }
  connected = true;
  const cmd = <T>(...args: (string | number)[]) => client.sendCommand<T>(args.map(String));
  try {
    await cmd('XGROUP', 'CREATE', stream, group, opts.from ?? '0', 'MKSTREAM');
  } catch (e) {
    if (!/BUSYGROUP/.test(oneLine(e))) throw e;
  }

  const deadLetter = async (id: string, fields: Fields | null, why: string) => {
    await cmd('XADD', dead, '*', 'id', id, 'error', why, 'row', (fields && fieldOf(fields, 'row')) ?? '', 'consumer', name);
    stats.deadLettered++;
    log(`dead-lettered ${id}: ${why}`);
  };

  /** Scores entries; returns the ids to acknowledge (written or dead-lettered). Failures stay pending. */
  async function handle(entries: Entry[], deliveries?: Map<string, number>): Promise<void> {
    const ack: string[] = [], good: { id: string; row: Row }[] = [];
    for (const [id, fields] of entries) {
      const row = parseEntry(fields, predictor);
      if (typeof row === 'string') {
        await deadLetter(id, fields, row);
        ack.push(id);
      } else if ((deliveries?.get(id) ?? 1) > maxAttempts) {
        await deadLetter(id, fields, `delivered ${deliveries!.get(id)} times without being scored (the row fails the model, or its consumers died)`);
        ack.push(id);
      } else good.push({ id, row });
    }
    const write = async (items: typeof good) => {
      const out = await runPredict(predictor, items.map((g) => g.row));
      if (!Array.isArray(out) || out.length !== items.length) throw new Error(`the model returned ${Array.isArray(out) ? out.length : 'no'} predictions for ${items.length} rows`);
      // The prediction is written before the entry is acknowledged: a death in between repeats it, never loses it.
      await Promise.all(items.map((g, i) => cmd('XADD', outStream, '*', 'id', g.id, 'prediction', JSON.stringify(predictor.toJSON(out[i]) ?? null))));
      for (const g of items) ack.push(g.id);
      stats.scored += items.length;
    };
    if (good.length) {
      try {
        await write(good);
      } catch (e) {
        // One bad row fails the pass: score each alone; those that still fail stay pending, to be retried.
        for (const g of good)
          await write([g]).catch((err) => {
            log(`scoring ${g.id} failed (it stays pending, to be retried): ${oneLine(err)}`);
          });
        if (good.length === 1) log(`scoring ${good[0].id} failed: ${oneLine(e)}`);
      }
    }
    if (ack.length) await cmd('XACK', stream, group, ...ack);
    stats.batches++;
  }

  /** Entries idle past claimIdleMs in other consumers' hands (or our own failures), with their delivery counts. */
  let cursor = '0-0', lastClaim = 0;
  async function claim(): Promise<void> {
    lastClaim = Date.now();
    const [next, entries, deleted] = await cmd<[string, Entry[], string[]?]>('XAUTOCLAIM', stream, group, name, claimIdleMs, cursor, 'COUNT', batch);
    cursor = next;
    if (deleted?.length) await cmd('XACK', stream, group, ...deleted);
    const live = entries.filter((e): e is Entry => Array.isArray(e));
    if (!live.length) return;
    stats.claimed += live.length;
    log(`claimed ${live.length} idle entries`);
    // XPENDING gives each entry's delivery count (the claim just added one).
    const pending = await cmd<[string, string, number, number][]>('XPENDING', stream, group, live[0][0], live[live.length - 1][0], live.length + 1000);
    const deliveries = new Map(pending.map(([id, , , n]) => [id, Number(n)]));
    stats.read += live.length;
    await handle(live, deliveries);
  }

  let closing = false;
  // Batches being scored and written; a fatal (Redis) failure of one ends the loop.
  const running = new Set<Promise<void>>();
  let failed: { error: unknown } | undefined;
  const start = (entries: Entry[]) => {
    const p: Promise<void> = handle(entries).catch((e) => void (failed ??= { error: e })).finally(() => running.delete(p));
    running.add(p);
  };
  const done = (async () => {
    try {
      while (!closing) {
        if (failed) throw failed.error;
        if (running.size >= inHand) {
          await Promise.race(running);
          continue;
        }
        if (opts.outHighWater !== undefined && Number(await cmd('XLEN', outStream)) > opts.outHighWater) {
          if (stats.paused++ % 20 === 0) log(`${outStream} holds more than ${opts.outHighWater} entries: paused`);
          await sleep(Math.min(blockMs, 100));
          continue;
        }
        if (Date.now() - lastClaim >= Math.min(claimIdleMs, 5000) || cursor !== '0-0') await claim();
        const reply = await reader.sendCommand<[string, Entry[]][] | null>(['XREADGROUP', 'GROUP', group, name, 'COUNT', batch, 'BLOCK', blockMs, 'STREAMS', stream, '>'].map(String));
        const entries = reply?.[0]?.[1] ?? [];
        if (!entries.length) continue;
        stats.read += entries.length;
        if (inHand === 1) await handle(entries);
        else start(entries);
      }
      await Promise.all(running);
      if (failed) throw failed.error;
    } catch (e) {
      throw new Error(`consume: ${oneLine(lastError ?? e)}`);
    } finally {
      await Promise.all(running);
      await predictor.close?.().catch(() => undefined);
      for (const c of new Set([reader, client])) await c.quit().catch(() => c.destroy());
    }
  })();
  done.catch(() => undefined); // observed by the caller through `done` / close()
  return {
    name, stats, done,
    async close() {
      closing = true;
      await done;
    },
  };
}
