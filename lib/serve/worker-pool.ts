// Scoring on worker threads. predictAsync moves only a tabular ensemble's forward pass off the
// event loop; text models tokenize, and every model preprocesses, on the calling thread. A pool
// of `size` workers, each with its own copy of the model loaded from its file, scores whole
// batches (preprocessing included) beside the event loop and beside each other, so a server
// uses more than one core and stays responsive while a batch of long texts is scored.
// A worker that stops mid-batch (terminated, out of memory) fails that batch with a one-line
// error and is replaced; the batcher then scores the batch's requests again one by one.
// The pool scores a copy of the model file taken when it starts (removed when it closes): a
// replacement worker loads the same model as the others even if the file has been overwritten
// since (a new file is taken up by a reload, which starts a new pool).
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type DataWarning, InputError } from '../data/errors.js';
import type { TransformOptions } from '../data/preprocess.js';
import type { Row, Table } from '../data/table.js';
import type { OutputValue } from '../presets/preset.js';

interface Job {
  resolve: (answer: Answer) => void;
  reject: (e: Error) => void;
}

/** A worker's answer: the values, and the data warnings scoring them raised (file scoring). */
export interface Answer {
  out: unknown[];
  warnings: DataWarning[];
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  /** Resolves once the worker has loaded the model; rejects when it could not. */
  ready: Promise<void>;
  loaded: boolean;
  /** Why it stopped, when it did not simply exit. */
  failed?: Error;
}

type Reply = { ready: true } | { failed: string } | ({ id: number } & Answer) | { id: number; error: { name: string; message: string; code?: string } };

/**
 * The worker's script. Built, it sits beside this file; run from the TypeScript sources (the
 * tests), this file is lib/serve/worker-pool.ts and the worker comes from the build in dist/.
 */
function workerScript(): URL {
  const here = new URL('./scoring-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/serve/scoring-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error('serve: the scoring worker script is missing (build tensorlift: npm run build:ts)');
}

export class WorkerPool {
  readonly size: number;
  #slots: Slot[] = [];
  #next = 0;
  #ids = 0;
  #closed = false;
  /** The pool's own copy of the model file, which its workers load. */
  readonly file: string;
  readonly #dir: string;
  readonly #threads: number;

  private constructor(dir: string, size: number, threads: number, readonly label: string) {
    this.#dir = dir;
    this.file = join(dir, 'model.safetensors');
    this.size = size;
    this.#threads = threads;
  }

  /**
   * `size` workers scoring with the model of `source` (a model file's path, or a function that
   * saves the model to the path it is given); resolves when every worker has loaded it (rejects,
   * stopping them all, with the reason when one could not).
   */
  static async start(source: string | ((path: string) => Promise<void>), size: number): Promise<WorkerPool> {
    const label = typeof source === 'string' ? source : 'the model';
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new InputError(`serve: workers must be an integer from 1 to 256, got ${String(size)}`);
    const pool = new WorkerPool(await mkdtemp(join(tmpdir(), 'tensorlift-pool-')), size, Math.max(1, Math.floor(availableParallelism() / size)), label);
    try {
      await (typeof source === 'string' ? copyFile(source, pool.file) : source(pool.file));
    } catch (e) {
      await pool.close();
      throw e;
    }
    for (let i = 0; i < size; i++) pool.#slots.push(pool.#spawn());
    try {
      await Promise.all(pool.#slots.map((s) => s.ready));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  #spawn(): Slot {
    const worker = new Worker(workerScript(), { workerData: { path: this.file, threads: this.#threads } });
    const jobs = new Map<number, Job>();
    let onReady!: () => void, onFailed!: (e: Error) => void;
    const slot: Slot = { worker, jobs, loaded: false, ready: new Promise<void>((res, rej) => ((onReady = res), (onFailed = rej))) };
    slot.ready.catch(() => undefined); // read by start() and predict(); not an unhandled rejection meanwhile
    worker.on('message', (m: Reply) => {
      if ('ready' in m) {
        slot.loaded = true;
        return onReady();
      }
      if ('failed' in m) {
        slot.failed = new InputError(m.failed.split(this.file).join(this.label));
        onFailed(slot.failed);
        return void worker.terminate();
      }
      const job = jobs.get(m.id);
      if (!job) return;
      jobs.delete(m.id);
      if ('out' in m) job.resolve(m);
      else job.reject(m.error.name === 'InputError' ? new InputError(m.error.message, m.error.code) : Object.assign(new Error(m.error.message), { name: m.error.name }));
    });
    // An uncaught error in the worker ends it: 'exit' follows and does the clean-up.
    worker.on('error', (e) => (slot.failed ??= new Error(String(e?.message ?? e).replace(/\s*\n\s*/g, ' '))));
    worker.on('exit', (code) => {
      const why = new Error(`serve: a scoring worker stopped (exit code ${code}${slot.failed ? `: ${slot.failed.message}` : ''}) while scoring this batch`);
      onFailed(slot.failed ?? why);
      for (const job of jobs.values()) job.reject(why);
      jobs.clear();
      // Replaced unless the pool is closing or the worker never loaded its model (a file that
      // cannot be loaded would fail again, in a loop).
      const at = this.#slots.indexOf(slot);
      if (this.#closed || at < 0) return;
      if (slot.loaded) this.#slots[at] = this.#spawn();
      else this.#slots.splice(at, 1);
    });
    return slot;
  }

  /** The worker threads now (to inspect them; stopping one makes the pool replace it). */
  get threads(): readonly Worker[] {
    return this.#slots.map((s) => s.worker);
  }

  /** Workers running now (fewer than size while one is being replaced or after one failed to load). */
  get running(): number {
    return this.#slots.length;
  }

  /** The predictions of `rows` (predict()'s values), by the least busy worker. */
  async predict(rows: Row[]): Promise<unknown[]> {
    return (await this.#call({ rows })).out;
  }

  /** The output columns of `table`'s rows (file scoring: the preset's score()), and the warnings raised. */
  score(table: Table, opts: { missing?: TransformOptions['missing'] } = {}): Promise<{ out: OutputValue[][]; warnings: DataWarning[] }> {
    return this.#call({ table, missing: opts.missing }) as Promise<{ out: OutputValue[][]; warnings: DataWarning[] }>;
  }

  async #call(msg: object): Promise<Answer> {
    if (this.#closed) throw new Error('serve: the scoring pool is closed');
    if (!this.#slots.length) throw new Error('serve: no scoring worker is running (they could not load the model)');
    // Fewest jobs in flight; ties go round-robin so no worker is always first.
    const start = this.#next++ % this.#slots.length;
    let slot = this.#slots[start];
    for (let k = 1; k < this.#slots.length; k++) {
      const s = this.#slots[(start + k) % this.#slots.length];
      if (s.jobs.size < slot.jobs.size) slot = s;
    }
    const id = this.#ids++;
    await slot.ready;
    // It may have stopped while this call waited: a message to a stopped worker is never answered.
    if (!this.#slots.includes(slot)) return this.#call(msg);
    return new Promise<Answer>((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject });
      slot.worker.postMessage({ id, ...msg });
    });
  }

  /** Waits for the batches in flight, then stops every worker. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map(async (s) => {
      const pending = [...s.jobs.values()].map((j) => new Promise<void>((r) => {
        const { resolve, reject } = j;
        j.resolve = (o) => (resolve(o), r());
        j.reject = (e) => (reject(e), r());
      }));
      await Promise.all(pending);
      await s.worker.terminate();
    }));
    await rm(this.#dir, { recursive: true, force: true });
  }
}
