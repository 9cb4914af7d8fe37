// Serving: tl.serve (HTTP), tl.serve.consume (Redis Streams), and the interface they share.
import { serve as serveHttp } from './http.js';

export type { Server, ServeOptions } from './http.js';
export type { Predictor, InputColumn, ColumnType } from './predictor.js';
export { asPredictor } from './predictor.js';
export { Batcher, QueueFullError, ClosedError } from './batcher.js';
export type { BatcherOptions } from './batcher.js';

/** tl.serve(models, opts) -> a listening Server. */
export const serve = Object.assign(serveHttp, {});
