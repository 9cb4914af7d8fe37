// A terminal progress bar per epoch (cli-progress) with the running loss; silent elsewhere.
import cliProgress from 'cli-progress';

export interface Progress {
  startEpoch(epoch: number, epochs: number, batches: number | undefined): void;
  batch(loss: number): void;
  endEpoch(summary: string): void;
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let bar: cliProgress.SingleBar | null = null;
  return {
    startEpoch(epoch, epochs, batches) {
      bar = new cliProgress.SingleBar(
        { format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} | loss {loss}`, stream, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(batches ?? 0, 0, { loss: '-' });
    },
    batch(loss) {
      bar?.increment(1, { loss: loss.toFixed(4) });
    },
    endEpoch(summary) {
      bar?.stop();
      bar = null;
      stream.write(summary + '\n');
    },
  };
}

export const silentProgress: Progress = { startEpoch() {}, batch() {}, endEpoch() {} };
