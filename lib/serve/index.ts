// Serving: tl.serve (HTTP), tl.serve.consume (Redis Streams), and the interface they share.
// fastify, prom-client and the Redis client are loaded on first use, not when tensorlift is
// imported: most programs that import it never serve, and would pay for them at start-up.
import type { ConsumeOptions, Consumer } from './events.js';
import type { Server, ServeOptions } from './http.js';
import type { ModelsArg } from './models.js';

export type { Server, ServeOptions } from './http.js';
export type { Consumer, ConsumeOptions, ConsumerStats } from './events.js';
export type { Predictor, InputColumn, ColumnType } from './predictor.js';
export { asPredictor } from './predictor.js';
export { Batcher, QueueFullError, ClosedError } from './batcher.js';
export type { BatcherOptions } from './batcher.js';

/** Scores a Redis stream as one consumer of a group (see events.ts). */
export async function consume(model: ModelsArg, opts: ConsumeOptions): Promise<Consumer> {
  return (await import('./events.js')).consume(model, opts);
}

async function serveHttp(models: ModelsArg, opts?: ServeOptions): Promise<Server> {
  return (await import('./http.js')).serve(models, opts);
}

/** tl.serve(models, opts) -> a listening Server; tl.serve.consume(model, opts) -> a Redis Streams consumer. */
export const serve = Object.assign(serveHttp, { consume });
