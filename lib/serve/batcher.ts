// Dynamic batching: concurrent requests for one model are scored together, because one forward
// pass over 64 rows costs little more than over one (the per-call overhead of preprocessing and
// native calls dominates small batches). A batch goes when it holds `maxBatch` rows or when its
// first request has waited `maxDelayMs`; while a batch runs the next one fills, and goes as soon
// as the running one ends (the requests in it have waited that long already); with
// `concurrency` above 1 (a pool of scoring workers) that many batches run at once. Requests wait in
// a bounded queue: past `maxQueue` rows, submit() rejects with QueueFullError (the HTTP layer
// answers 503 + Retry-After) instead of letting latency and memory grow without bound.
import type { Row } from '../data/table.js';

export interface BatcherOptions {
  /** Rows per forward pass, at most (a bigger request runs as a batch of its own). Default 64. */
  maxBatch?: number;
  /** How long the first request of a batch waits for others, in ms. Default 2. */
  maxDelayMs?: number;
  /** Rows waiting, at most, before new requests are refused. Default 4096. */
  maxQueue?: number;
  /** Batches scored at once, at most (the number of scoring workers). Default 1. */
  concurrency?: number;
  /** Told of every forward pass: its rows and seconds (for metrics). */
  onBatch?: (rows: number, seconds: number) => void;
}

export class QueueFullError extends Error {
  constructor(readonly depth: number) {
    super(`overloaded: ${depth} rows are waiting; retry shortly`);
    this.name = 'QueueFullError';
  }
}

export class ClosedError extends Error {
  constructor() {
    super('shutting down; no new requests are taken');
    this.name = 'ClosedError';
  }
}

interface Pending {
  rows: Row[];
  resolve: (out: unknown[]) => void;
  reject: (e: unknown) => void;
}

export type RunBatch = (rows: Row[]) => Promise<unknown[]>;

export class Batcher {
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  readonly maxQueue: number;
  #run: RunBatch;
  #onBatch?: BatcherOptions['onBatch'];
  #queue: Pending[] = [];
  #queued = 0;
  readonly concurrency: number;
  #running = 0;
  #timer: NodeJS.Timeout | null = null;
  #soon = false;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(run: RunBatch, opts: BatcherOptions = {}) {
    const int = (name: string, v: number | undefined, dflt: number, min: number) => {
      const n = v ?? dflt;
      if (!Number.isInteger(n) || n < min) throw new RangeError(`serve: ${name} must be an integer >= ${min}, got ${String(v)}`);
      return n;
    };
    this.maxBatch = int('maxBatch', opts.maxBatch, 64, 1);
    this.maxDelayMs = int('maxDelayMs', opts.maxDelayMs, 2, 0);
    this.maxQueue = int('maxQueue', opts.maxQueue, 4096, 1);
    this.concurrency = int('concurrency', opts.concurrency, 1, 1);
    this.#run = run;
    this.#onBatch = opts.onBatch;
  }

  /** Rows waiting for a forward pass. */
  get depth(): number {
    return this.#queued;
  }

  /** The predictions of `rows`, in order, scored in a batch with whatever else is waiting. */
  submit(rows: Row[]): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(new ClosedError());
    // An empty queue takes any request (its size is bounded by the caller's row limit).
    if (this.#queued > 0 && this.#queued + rows.length > this.maxQueue) return Promise.reject(new QueueFullError(this.#queued));
    return new Promise((resolve, reject) => {
      this.#queue.push({ rows, resolve, reject });
      this.#queued += rows.length;
      this.#schedule();
    });
  }

  /** Refuses new requests, scores everything already queued at once, and resolves when done. */
  close(): Promise<void> {
    this.#closed = true;
    this.#schedule();
    return this.#whenIdle();
  }

  #whenIdle(): Promise<void> {
    if (!this.#running && !this.#queue.length) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #schedule(): void {
    if (this.#running >= this.concurrency || this.#soon || !this.#queue.length) return;
    if (this.#queued >= this.maxBatch || this.#closed || this.maxDelayMs === 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      // setImmediate, not a microtask: sockets get a turn to add their requests first.
      this.#soon = true;
      setImmediate(() => {
        this.#soon = false;
        void this.#flush();
      });
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        void this.#flush();
      }, this.maxDelayMs);
    }
  }

  async #flush(): Promise<void> {
    if (this.#running >= this.concurrency || !this.#queue.length) return;
    const batch: Pending[] = [];
    let n = 0;
    while (this.#queue.length && (batch.length === 0 || n + this.#queue[0].rows.length <= this.maxBatch)) {
      const p = this.#queue.shift()!;
      batch.push(p);
      n += p.rows.length;
    }
    this.#queued -= n;
    this.#running++;
    // A free worker takes the next batch as it fills (on the usual size and delay rules).
    this.#schedule();
    try {
      await this.#score(batch, n);
    } finally {
      this.#running--;
      if (this.#queue.length) {
        // Whatever queued meanwhile has waited a whole forward pass: it goes now.
        this.#soon = true;
        setImmediate(() => {
          this.#soon = false;
          void this.#flush();
        });
      } else if (!this.#running) for (const r of this.#idle.splice(0)) r();
    }
  }

  async #score(batch: Pending[], n: number): Promise<void> {
    const rows = batch.length === 1 ? batch[0].rows : batch.flatMap((p) => p.rows);
    const t0 = performance.now();
    let out: unknown[];
    try {
      out = await this.#run(rows);
      if (!Array.isArray(out) || out.length !== n) throw new Error(`the model returned ${Array.isArray(out) ? out.length : 'no'} predictions for ${n} rows`);
    } catch (e) {
      if (batch.length === 1) {
        batch[0].reject(e);
        return;
      }
      // One request the checks let through can fail the forward pass: score each on its own so
      // only that request gets the error.
      for (const p of batch) {
        try {
          const own = await this.#run(p.rows);
          if (!Array.isArray(own) || own.length !== p.rows.length) throw new Error(`the model returned ${Array.isArray(own) ? own.length : 'no'} predictions for ${p.rows.length} rows`);
          p.resolve(own);
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    this.#onBatch?.(n, (performance.now() - t0) / 1000);
    let at = 0;
    for (const p of batch) {
      p.resolve(batch.length === 1 ? out : out.slice(at, at + p.rows.length));
      at += p.rows.length;
    }
  }
}
