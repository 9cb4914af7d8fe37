// tl.serve(models, opts): the models behind HTTP JSON routes on fastify, with dynamic batching
// (batcher.ts), request checks from each model's input schema (validate.ts), Prometheus
// metrics, and a shutdown that answers every request already received. Routes:
//   POST /v1/models/:name/predict   { "rows": [...] } -> { "predictions": [...] }
//   POST /predict                    the same, when one model is served
//   POST /v1/models/:name/reload     loads the model's file again (no request is dropped)
//   GET  /v1/models, /health, /ready, /metrics
// Every failure answers { "error": "<one line>" } with its status; nothing a client sends
// (bad JSON, huge bodies, wrong types, a flood) can crash or stall the server.
import { fastify, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { InputError } from '../data/errors.js';
import { Batcher, type BatcherOptions, ClosedError, QueueFullError } from './batcher.js';
import { type ModelEntry, type ModelsArg, loadModels, reloadModel } from './models.js';
import { serveMetrics } from './metrics.js';
import { runPredict } from './predictor.js';
import { RequestError, checkRows } from './validate.js';

export interface ServeOptions extends Omit<BatcherOptions, 'onBatch' | 'concurrency'> {
  /** Port to listen on (0: any free port; see server.url). Default 8080. */
  port?: number;
  /** Interface to listen on. Default '127.0.0.1' (use '0.0.0.0' behind a load balancer). */
  host?: string;
  /** Largest request body, in bytes (larger answers 413). Default 1 MiB. */
  bodyLimit?: number;
  /** Rows in one request, at most (more answers 413). Default 10000. */
  maxRows?: number;
  /** Seconds a refused (503) client is told to wait, in Retry-After. Default 1. */
  retryAfterS?: number;
  /** Close on SIGTERM / SIGINT and reload file models on SIGHUP (the CLI turns this on). Default false. */
  handleSignals?: boolean;
  /** Data warnings of scored rows (out-of-range values); default: ignored. */
  onWarning?: (message: string) => void;
  /** After this many ms of closing, connections still open are cut. Default 10000. */
  closeTimeoutMs?: number;
  /**
   * Worker threads scoring each model, each with its own copy of it (worker-pool.ts): batches
   * are then scored off the event loop, preprocessing and tokenizing included, that many at
   * once. Default 0: scored on the server's thread (a tabular ensemble's forward pass still
   * runs on a native thread).
   */
  workers?: number;
  /** Lines worth a log (reloads, signals); default: none. */
  log?: (line: string) => void;
}

export interface Server {
  /** http://host:port of the listening server. */
  readonly url: string;
  readonly port: number;
  /** The names of the models served. */
  readonly models: string[];
  /** Loads a file model again (all of them without a name); rejects, keeping the old one, on failure. */
  reload(name?: string): Promise<void>;
  /** Stops accepting connections, answers every request already received, then resolves. */
  close(): Promise<void>;
}

interface Served extends ModelEntry {
  batcher: Batcher;
}

/** Which model a request names, for metrics ('-' when none or unknown, so labels stay bounded). */
function modelLabel(req: FastifyRequest, models: Map<string, Served>): string {
  const name = (req.params as { name?: string } | undefined)?.name;
  if (name !== undefined) return models.has(name) ? name : '-';
  return req.url.startsWith('/predict') && models.size === 1 ? [...models.keys()][0] : '-';
}

export async function serve(models: ModelsArg, opts: ServeOptions = {}): Promise<Server> {
  const log = opts.log ?? (() => undefined);
  const maxRows = opts.maxRows ?? 10_000;
  const retryAfter = String(opts.retryAfterS ?? 1);
  const workers = opts.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new RangeError(`serve: workers must be an integer from 0 to 256, got ${String(opts.workers)}`);
  const loadOptions = { onWarning: opts.onWarning, workers };
  const loaded = await loadModels(models, loadOptions);
  const served = new Map<string, Served>();
  const metrics = serveMetrics(() => [...served.values()].map((m) => [m.name, m.batcher.depth]));
  for (const entry of loaded.values()) {
    const s = entry as Served;
    // The batch runs on whatever model the entry holds when it starts: a reload swaps it between batches.
    s.batcher = new Batcher((rows) => runPredict(s.predictor, rows), {
      maxBatch: opts.maxBatch, maxDelayMs: opts.maxDelayMs, maxQueue: opts.maxQueue, concurrency: Math.max(1, workers),
      onBatch: (rows, seconds) => {
        metrics.batchRows.observe({ model: s.name }, rows);
        metrics.batchSeconds.observe({ model: s.name }, seconds);
      },
    });
    served.set(s.name, s);
  }
  let closing = false;

  // Closing is handled here, not by fastify's return503OnClosing, so the refusal has the same
  // { error } body and Retry-After as every other 503.
  // Connections are not cut when closing starts (fastify's forceCloseConnections): a socket
  // accepted a moment ago counts as idle before its request is parsed, and cutting it would
  // reset a request the server has received. close() ends idle connections itself, once
  // requests have stopped arriving (drain below).
  const app = fastify({ bodyLimit: opts.bodyLimit ?? 1 << 20, logger: false, return503OnClosing: false, forceCloseConnections: false });
  let inFlight = 0, lastRequest = 0;

  // JSON only: a text/plain body would reach the checks as a string and get a vaguer answer.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async () => {
    inFlight++;
    lastRequest = Date.now();
  });
  // While closing, every answer ends its keep-alive connection: an open idle connection would
  // hold close() until the client's keep-alive timeout.
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('Connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    inFlight--;
    const route = req.routeOptions.url ?? 'unknown';
    const model = modelLabel(req, served);
    metrics.requests.inc({ route, model, status: String(reply.statusCode) });
    metrics.latency.observe({ route, model }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err instanceof RequestError) return reply.code(err.status).send({ error: err.message });
    if (err instanceof QueueFullError || err instanceof ClosedError) return reply.code(503).header('Retry-After', retryAfter).send({ error: err.message });
    if (err instanceof InputError) return reply.code(400).send({ error: err.message.replace(/\s*\n\s*/g, ' ') });
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    let message = String(err.message ?? err).replace(/\s*\n\s*/g, ' ');
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (status === 400 && err instanceof SyntaxError)) message = `the body is not valid JSON (${message})`;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `the body is larger than the limit of ${app.initialConfig.bodyLimit} bytes; send fewer rows per request`;
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = 'send the body as JSON (Content-Type: application/json)';
    else if (status === 500) message = `prediction failed: ${message}`;
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  const find = (name: string): Served => {
    const m = served.get(name);
    if (!m) throw new RequestError(`no model named '${name}' (served: ${[...served.keys()].join(', ')})`, 404);
    return m;
  };
  const predict = async (m: Served, body: unknown) => {
    const p = m.predictor;
    const rows = checkRows(body, p.inputSchema, maxRows);
    const out = await m.batcher.submit(rows);
    return { predictions: out.map((v) => p.toJSON(v)) };
  };

  app.post('/v1/models/:name/predict', (req: FastifyRequest<{ Params: { name: string } }>) => predict(find(req.params.name), req.body));
  app.post('/predict', (req) => {
    if (served.size !== 1) throw new RequestError(`${served.size} models are served; POST to /v1/models/<name>/predict (${[...served.keys()].join(', ')})`, 404);
    return predict([...served.values()][0], req.body);
  });
  app.post('/v1/models/:name/reload', async (req: FastifyRequest<{ Params: { name: string } }>) => {
    const m = find(req.params.name);
    await reloadOne(m);
    return { model: m.name, kind: m.predictor.kind, reloaded: true };
  });
  app.get('/v1/models', async () => ({
    models: [...served.values()].map((m) => ({ name: m.name, kind: m.predictor.kind, inputSchema: m.predictor.inputSchema, outputColumns: m.predictor.outputColumns })),
  }));
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply: FastifyReply) => {
    if (closing) return reply.code(503).header('Retry-After', retryAfter).send({ status: 'closing' });
    return { status: 'ready', models: [...served.keys()] };
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  async function reloadOne(m: Served): Promise<void> {
    try {
      await reloadModel(m, loadOptions);
      metrics.reloads.inc({ model: m.name, result: 'ok' });
      log(`reloaded model '${m.name}' from ${m.path}`);
    } catch (e) {
      metrics.reloads.inc({ model: m.name, result: 'error' });
      const msg = String((e as Error).message ?? e).replace(/\s*\n\s*/g, ' ');
      log(`reload of '${m.name}' failed, still serving the previous model: ${msg}`);
      throw e instanceof InputError ? new RequestError(msg, 409) : new RequestError(`reload failed, still serving the previous model: ${msg}`, 500);
    }
  }

  try {
    await app.listen({ port: opts.port ?? 8080, host: opts.host ?? '127.0.0.1' });
  } catch (e) {
    // Workers started for the models would keep the process alive.
    await Promise.all([...served.values()].map((m) => m.predictor.close?.()));
    throw e;
  }
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  let closed: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: closing; answering the requests already received`);
    void server.close();
  };
  const onHup = () => {
    log('SIGHUP: reloading the model files');
    server.reload().catch(() => undefined); // reloadOne has logged why
  };
  const server: Server = {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    models: [...served.keys()],
    async reload(name) {
      const targets = name === undefined ? [...served.values()].filter((m) => m.path) : [find(name)];
      const results = await Promise.allSettled(targets.map((m) => reloadOne(m)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    close() {
      closed ??= (async () => {
        closing = true;
        if (opts.handleSignals) {
          process.off('SIGTERM', onSignal).off('SIGINT', onSignal).off('SIGHUP', onHup);
        }
        // fastify stops listening and waits for every connection to end. Requests that still
        // arrive on open connections are answered (with Connection: close); idle keep-alive
        // connections are ended once nothing has arrived for a moment, and after
        // closeTimeoutMs everything is cut.
        const closed = app.close();
        const deadline = Date.now() + (opts.closeTimeoutMs ?? 10_000);
        let ended = false;
        void closed.finally(() => (ended = true));
        while (!ended) {
          await new Promise((r) => setTimeout(r, 20));
          if (Date.now() > deadline) app.server.closeAllConnections();
          else if (inFlight === 0 && Date.now() - lastRequest > 50) app.server.closeIdleConnections();
        }
        await closed;
        await Promise.all([...served.values()].map((m) => m.batcher.close()));
        await Promise.all([...served.values()].map((m) => m.predictor.close?.()));
      })();
      return closed;
    },
  };
  if (opts.handleSignals) process.on('SIGTERM', onSignal).on('SIGINT', onSignal).on('SIGHUP', onHup);
  return server;
}
