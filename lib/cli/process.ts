// How the command line ends: every failure is one line on stderr starting "tensorlift:" and a
// non-zero exit code; a stack trace only with DEBUG=tensorlift (a user's CSV problem is not a
// crash). Ctrl-C and SIGTERM remove the temp files of writes in flight, then end the process by
// the same signal (a shell sees 130 / 143), as a process without handlers would.
import { InputError } from '../data/errors.js';
import { removeTempFiles } from '../io/temp-files.js';

export function debugging(): boolean {
  return (process.env.DEBUG ?? '').split(/[\s,]+/).some((d) => d === 'tensorlift' || d === 'tensorlift:*' || d === '*');
}

/** The message a person at a terminal should read: CLI phrasing, one line, no API prefixes. */
export function cliMessage(e: unknown): string {
  const err = e as Error;
  let text = e instanceof InputError ? e.cliMessage : String(err?.message ?? e);
  // "ChurnModel.fit: ..." names a function the user did not call.
  text = text.replace(/^(ChurnModel|PropensityModel|Recommender)\.\w+: /, '');
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function fail(e: unknown, code = 1): void {
  // A reader that stopped (| head) is not an error to report: end as Unix tools do on SIGPIPE.
  if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') {
    process.exitCode = 141;
    return;
  }
  process.stderr.write(`tensorlift: ${cliMessage(e)}\n`);
  if (debugging() && (e as Error)?.stack) process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = code;
}

/** Installs the process-wide handlers of a CLI run (never done by the library itself). */
export function installProcessHandlers(): void {
  const fatal = (e: unknown) => {
    fail(e);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\n'); // a progress bar may have hidden the cursor
      process.stderr.write(`tensorlift: interrupted (${signal})\n`);
      removeTempFiles();
      // Not process.exit(): that waits for a read blocked in the thread pool (an idle pipe as
      // --in) and would hang. With no listener left the signal's default action ends us now.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    });
}

/** Human-readable progress and results: stderr when stdout carries data (--out -). */
export function reporter(dataOnStdout: boolean): (text: string) => void {
  return (text) => (dataOnStdout ? process.stderr : process.stdout).write(`${text}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`tensorlift: warning: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}
