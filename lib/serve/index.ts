// Serving: tl.serve (HTTP), tl.serve.consume (Redis Streams), and the interface they share.
import { consume } from './events.js';
import { serve as serveHttp } from './http.js';

export type { Server, ServeOptions } from './http.js';
export type { Predictor, InputColumn, ColumnType } from './predictor.js';
export { asPredictor } from './predictor.js';
export { Batcher, QueueFullError, ClosedError } from './batcher.js';
export type { BatcherOptions } from './batcher.js';

export { consume } from './events.js';
export type { Consumer, ConsumeOptions, ConsumerStats } from './events.js';

/** tl.serve(models, opts) -> a listening Server; tl.serve.consume(model, opts) -> a Redis Streams consumer. */
export const serve = Object.assign(serveHttp, { consume });
