// `tensorlift serve`: model files behind HTTP (lib/serve/http.ts). Each --model is a file or
// name=file; SIGTERM / SIGINT close gracefully (every request already received is answered,
// then the process exits 0) and SIGHUP reloads the files.
import type { Command } from 'commander';
import { InputError } from '../data/errors.js';
import { checkInputFile } from '../io/paths.js';
import { nameOfPath } from '../serve/models.js';
import { serve } from '../serve/http.js';
import { intOption } from './options.js';
import { warn } from './process.js';

const collect = (v: string, all: string[]) => [...all, v];
/** `name=path` or `path` -> [name, path]. */
export function modelSpec(spec: string): [string, string] {
  const eq = spec.indexOf('=');
  // A path may itself contain '=' after a '/' (dir=x/m.safetensors is a name); a bare path has none before it.
  if (eq > 0 && !spec.slice(0, eq).includes('/')) return [spec.slice(0, eq), spec.slice(eq + 1)];
  return [nameOfPath(spec), spec];
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve models over HTTP: POST /v1/models/<name>/predict { "rows": [...] } (with dynamic batching)')
    .requiredOption('--model <[name=]file>', 'a model saved by train (repeat for several; name defaults to the file name)', collect, [])
    .option('--port <n>', 'port to listen on (0: any free port)', intOption('--port', 0), 8080)
    .option('--host <address>', 'interface to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--max-batch <rows>', 'rows per forward pass, at most', intOption('--max-batch', 1), 64)
    .option('--max-delay-ms <ms>', 'how long a request waits for others to batch with', intOption('--max-delay-ms', 0), 2)
    .option('--max-queue <rows>', 'rows waiting, at most, before answering 503', intOption('--max-queue', 1), 4096)
    .option('--max-rows <n>', 'rows in one request, at most', intOption('--max-rows', 1), 10000)
    .option('--body-limit <bytes>', 'largest request body', intOption('--body-limit', 1), 1 << 20)
    .option('--workers <n>', 'worker threads scoring each model, batches off the main thread (0: none)', intOption('--workers', 0), 0)
    .action(async (o) => {
      const specs = (o.model as string[]).map(modelSpec);
      for (const [, path] of specs) await checkInputFile(path, '--model');
      const names = new Set<string>();
      for (const [name] of specs) {
        if (names.has(name)) throw new InputError(`two --model files are named '${name}'; name them: --model a=${name}.safetensors --model b=...`);
        names.add(name);
      }
      // The CLI's default SIGINT/SIGTERM handlers end the process at once; a server drains first.
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      const log = (line: string) => process.stderr.write(`tensorlift: ${line}\n`);
      const server = await serve(Object.fromEntries(specs), {
        port: o.port, host: o.host, maxBatch: o.maxBatch, maxDelayMs: o.maxDelayMs, maxQueue: o.maxQueue,
        maxRows: o.maxRows, bodyLimit: o.bodyLimit, workers: o.workers, handleSignals: true, log, onWarning: warn,
      });
      process.stdout.write(`serving ${server.models.join(', ')} at ${server.url}\n`);
      // Resolves once a signal has closed the server: then the process ends with nothing left to do.
      await new Promise<void>((resolve) => {
        const done = () => {
          void server.close().then(() => {
            log('closed');
            resolve();
          });
        };
        process.once('SIGTERM', done).once('SIGINT', done);
      });
    });
}
