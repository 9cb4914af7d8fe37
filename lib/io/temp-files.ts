// Temporary files of atomic writes (write beside the target, rename when complete) must not
// outlive an interrupted process: a scoring run stopped with Ctrl-C would otherwise leave a
// partial copy of a file of any size behind. Tracked files are removed on SIGINT, SIGTERM and
// process exit. The signal handlers exist only while something is tracked, and when they are
// the process's only ones they re-raise the signal afterwards, so the default behaviour (the
// process ends) is unchanged.
import { readdirSync, unlinkSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

type Tracked = { file: string } | { dir: string; prefix: string };

const tracked = new Set<Tracked>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Removes every tracked temp file now (for a process about to end by a signal). */
export function removeTempFiles(): void {
  removeAll();
}

function removeAll(): void {
  for (const t of tracked) {
    try {
      if ('file' in t) unlinkSync(t.file);
      else for (const name of readdirSync(t.dir)) if (name.startsWith(t.prefix)) unlinkSync(join(t.dir, name));
    } catch {
      // Already renamed into place or removed: nothing to clean.
    }
  }
  tracked.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  uninstall();
  // With no other handler, Node's default (end the process) must still happen.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', removeAll);
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', removeAll);
}

function track(t: Tracked): () => void {
  if (!tracked.size) install();
  tracked.add(t);
  return () => {
    tracked.delete(t);
    if (!tracked.size) uninstall();
  };
}

/** Removes `file` if the process is interrupted or exits before `release()` is called. */
export function trackTempFile(file: string): () => void {
  return track({ file });
}

/** The same for every file in `dir` whose name starts with `prefix` (temp names chosen elsewhere). */
export function trackTempPrefix(dir: string, prefix: string): () => void {
  return track({ dir, prefix });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files that earlier, killed runs (SIGKILL, out of memory: no handler runs) left
 * beside `target`: `<name>.tmp-<pid>[-<suffix>]` whose process no longer exists.
 */
export async function removeStaleTemps(target: string): Promise<void> {
  const dir = dirname(target), base = basename(target);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(`${base}.tmp-`)) continue;
    const m = /^(\d+)(-[a-z0-9]+)?$/.exec(name.slice(base.length + 5));
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) await unlink(join(dir, name)).catch(() => undefined);
  }
}
