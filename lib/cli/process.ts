// How the command line ends: every failure is one line on stderr starting "tensorlift:" and a
// non-zero exit code; a stack trace only with DEBUG=tensorlift (a user's CSV problem is not a
// crash). Ctrl-C and SIGTERM end the run with 130 / 143 after temp files are removed (the
// 'exit' hook of io/temp-files does that).
import { InputError } from '../data/errors.js';

export function debugging(): boolean {
  return (process.env.DEBUG ?? '').split(/[\s,]+/).some((d) => d === 'tensorlift' || d === 'tensorlift:*' || d === '*');
}

/** The message a person at a terminal should read: CLI phrasing, one line, no API prefixes. */
export function cliMessage(e: unknown): string {
  const err = e as Error;
  let text = e instanceof InputError ? e.cliMessage : String(err?.message ?? e);
  // "ChurnModel.fit: ..." names a function the user did not call.
  text = text.replace(/^(ChurnModel|PropensityModel)\.\w+: /, '');
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
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const)
    process.on(signal, () => {
      if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\n'); // a progress bar may have hidden the cursor
      process.stderr.write(`tensorlift: interrupted (${signal})\n`);
      process.exit(code);
    });
}

/** Human-readable progress and results: stderr when stdout carries data (--out -). */
export function reporter(dataOnStdout: boolean): (text: string) => void {
  return (text) => (dataOnStdout ? process.stderr : process.stdout).write(`${text}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`tensorlift: warning: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}
