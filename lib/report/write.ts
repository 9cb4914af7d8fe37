// A text file written whole or not at all: beside the target, then renamed over it, with the
// temp file removed if the process is interrupted (io/temp-files.ts), so a report that failed
// half-way never replaces yesterday's good one.
import { rename, unlink, writeFile } from 'node:fs/promises';
import { trackTempFile } from '../io/temp-files.js';

export async function atomicWrite(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const release = trackTempFile(tmp);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  } finally {
    release();
  }
}
