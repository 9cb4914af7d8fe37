// Path checks made before any work starts (a training run should not find out after an hour
// that it cannot write its output), and one-line messages for file-system errors that name
// the path instead of Node's "ENOENT: no such file or directory, open '...'".
import { constants } from 'node:fs';
import { access, lstat, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from '../data/errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EPIPE: 'the reading end of the pipe was closed',
};

/** A file-system error as one line naming the path: "csv: cannot read data.csv: permission denied". */
export function fileError(what: string, verb: 'read' | 'write', path: string, err: unknown): InputError {
  if (err instanceof InputError) return err;
  const e = err as NodeJS.ErrnoException;
  const reason = (e?.code && REASONS[e.code]) ?? String(e?.message ?? err).split('\n')[0];
  return new InputError(`${what}: cannot ${verb} ${path}: ${reason}`, e?.code ?? 'EIO');
}

/**
 * Checks that `path` names an existing, readable file (a symbolic link is followed; a named
 * pipe is accepted, for process substitution). Throws an InputError naming the path.
 */
export async function checkInputFile(path: string, what = 'read'): Promise<void> {
  if (typeof path !== 'string' || !path) throw new InputError(`${what}: expected a file path, got ${JSON.stringify(path)}`);
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A link whose target is gone reads as "no such file": say which.
    if (code === 'ENOENT' && (await lstat(path).then((l) => l.isSymbolicLink(), () => false)))
      throw new InputError(`${what}: cannot read ${path}: it is a symbolic link to a file that does not exist`, 'ENOENT');
    throw fileError(what, 'read', path, e);
  }
  if (st.isDirectory()) throw new InputError(`${what}: cannot read ${path}: it is a directory, not a file`, 'EISDIR');
  if (!st.isFile() && !st.isFIFO()) throw new InputError(`${what}: cannot read ${path}: not a regular file`, 'EINVAL');
  try {
    await access(path, constants.R_OK);
  } catch (e) {
    throw fileError(what, 'read', path, e);
  }
}

/**
 * Checks that `path` can be created or replaced: its directory exists and is writable, and
 * the path itself is not a directory. Throws an InputError naming the path.
 */
export async function checkOutputFile(path: string, what = 'write'): Promise<void> {
  if (typeof path !== 'string' || !path) throw new InputError(`${what}: expected a file path, got ${JSON.stringify(path)}`);
  const dir = dirname(resolve(path));
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory() || /[/\\]$/.test(path))
    throw new InputError(`${what}: cannot write ${path}: it ${st ? 'is' : 'names'} a directory; name a file inside it`, 'EISDIR');
  // Writes replace the target by renaming a temp file over it: a device or pipe (/dev/stdout)
  // would itself be replaced, so those are refused (stdout is '-' where a command offers it).
  if (st && !st.isFile()) throw new InputError(`${what}: cannot write ${path}: not a regular file (for stdout, use -)`, 'EINVAL');
  const dst = await stat(dir).catch((e) => {
    throw new InputError(`${what}: cannot write ${path}: the directory ${dir} ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be used (${REASONS[(e as NodeJS.ErrnoException).code ?? ''] ?? 'error'})`}`, 'ENOENT');
  });
  if (!dst.isDirectory()) throw new InputError(`${what}: cannot write ${path}: ${dir} is not a directory`, 'ENOTDIR');
  try {
    await access(dir, constants.W_OK);
    if (st) await access(path, constants.W_OK);
  } catch (e) {
    throw fileError(what, 'write', path, e);
  }
}

/** True when both paths name the same existing file (links and relative paths resolved). */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [ra, rb] = await Promise.all([realpath(a).catch(() => resolve(a)), realpath(b).catch(() => resolve(b))]);
  return ra === rb;
}
