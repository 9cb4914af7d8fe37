// Prometheus metrics of one server (its own registry, so several servers in one process, as in
// tests, do not mix their counts): requests by route, model and status, latency, batch sizes,
// queue depth, reloads, and Node's default process metrics, whose nodejs_eventloop_lag_*
// gauges show when scoring inline starves the event loop.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServeMetrics {
  registry: Registry;
  requests: Counter<'route' | 'model' | 'status'>;
  latency: Histogram<'route' | 'model'>;
  batchRows: Histogram<'model'>;
  batchSeconds: Histogram<'model'>;
  reloads: Counter<'model' | 'result'>;
}

export function serveMetrics(queueDepth: () => [string, number][]): ServeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const registers = [registry];
  new Gauge({
    name: 'tensorlift_queue_depth', help: 'Rows waiting for a forward pass, by model', labelNames: ['model'], registers,
    collect() {
      for (const [model, depth] of queueDepth()) this.set({ model }, depth);
    },
  });
  return {
    registry,
    requests: new Counter({ name: 'tensorlift_http_requests_total', help: 'HTTP requests answered, by route, model and status code', labelNames: ['route', 'model', 'status'], registers }),
    latency: new Histogram({
      name: 'tensorlift_http_request_duration_seconds', help: 'Time from request to answer', labelNames: ['route', 'model'], registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    }),
    batchRows: new Histogram({ name: 'tensorlift_batch_rows', help: 'Rows per forward pass', labelNames: ['model'], registers, buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096] }),
    batchSeconds: new Histogram({
      name: 'tensorlift_batch_duration_seconds', help: 'Time of one forward pass', labelNames: ['model'], registers,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    }),
    reloads: new Counter({ name: 'tensorlift_model_reloads_total', help: 'Model reloads, by result', labelNames: ['model', 'result'], registers }),
  };
}
