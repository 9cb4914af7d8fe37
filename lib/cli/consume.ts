// `tensorlift consume`: a model file scoring a Redis stream in a consumer group
// (lib/serve/events.ts). Run as many as the load needs, on as many machines: the group shares
// the entries out. SIGTERM / SIGINT finish the batch in hand (written and acknowledged) and exit 0.
import type { Command } from 'commander';
import { checkInputFile } from '../io/paths.js';
import { consume } from '../serve/events.js';
import { intOption } from './options.js';
import { warn } from './process.js';

export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description("score a Redis stream's entries (field 'row': a JSON object) into another stream, as one consumer of a group")
    .requiredOption('--model <file>', 'a model saved by train')
    .option('--redis <url>', 'the Redis server', 'redis://127.0.0.1:6379')
    .requiredOption('--stream <key>', 'the input stream')
    .requiredOption('--group <name>', 'the consumer group (created at the start of the stream when missing)')
    .requiredOption('--out-stream <key>', "where entries { id, prediction } are added")
    .option('--consumer <name>', "this consumer's name (default: host-pid)")
    .option('--batch <n>', 'entries per read and forward pass', intOption('--batch', 1), 64)
    .option('--block-ms <ms>', 'how long one read waits for entries', intOption('--block-ms', 1), 500)
    .option('--claim-idle-ms <ms>', "claim other consumers' entries pending this long (they died)", intOption('--claim-idle-ms', 1), 30000)
    .option('--max-attempts <n>', 'deliveries before a failing entry goes to the dead-letter stream', intOption('--max-attempts', 1), 3)
    .option('--dead-letter <key>', 'the dead-letter stream (default: <stream>:dead)')
    .option('--out-high-water <n>', 'pause while the output stream holds more entries than this', intOption('--out-high-water', 1))
    .option('--workers <n>', 'worker threads scoring batches side by side, up to n batches in hand (0: none)', intOption('--workers', 0), 0)
    .action(async (o) => {
      await checkInputFile(o.model, '--model');
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      const log = (line: string) => process.stderr.write(`tensorlift: ${line}\n`);
      const c = await consume(o.model, {
        redis: o.redis, stream: o.stream, group: o.group, outStream: o.outStream, consumer: o.consumer, batch: o.batch,
        blockMs: o.blockMs, claimIdleMs: o.claimIdleMs, maxAttempts: o.maxAttempts, deadLetterStream: o.deadLetter,
        outHighWater: o.outHighWater, workers: o.workers, log, onWarning: warn,
      });
      process.stdout.write(`consuming ${o.stream} as ${o.group}/${c.name} -> ${o.outStream}\n`);
      const stop = (signal: string) => {
        log(`${signal}: finishing the batch${o.workers > 1 ? 'es' : ''} in hand`);
        void c.close();
      };
      process.once('SIGTERM', () => stop('SIGTERM')).once('SIGINT', () => stop('SIGINT'));
      await c.done;
      const s = c.stats;
      log(`stopped: ${s.scored} scored, ${s.claimed} claimed from other consumers, ${s.deadLettered} dead-lettered`);
    });
}
