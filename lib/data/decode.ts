// The bytes of an input file, as UTF-8 the parsers can trust. Bytes that are not UTF-8 are an
// error naming the line (Excel's "CSV" is often Windows-1252: é as the single byte 0xE9), never
// silently replaced by U+FFFD, which would make "Montréal" a new category at predict time.
// Other encodings are decoded only when named (`encoding: 'latin1'`, read as Windows-1252,
// the WHATWG meaning of the label and what such files really hold).
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { InputError } from './errors.js';
import { checkInputFile, fileError } from '../io/paths.js';

export interface DecodeOptions {
  /** The file's text encoding: 'utf8' (default) or any WHATWG label ('latin1', 'windows-1252', 'utf-16le', ...). */
  encoding?: string;
  /** Told the number of bytes read so far (for progress bars). */
  onBytes?: (bytes: number) => void;
  /** Stops reading (a reader that quits early must not wait on a pipe that never ends). */
  signal?: AbortSignal;
}

const UTF8 = new Set(['utf8', 'utf-8', 'unicode-1-1-utf-8']);

/** Length of the incomplete UTF-8 sequence at the end of `b` (0-3 bytes), to carry to the next chunk. */
function incompleteTail(b: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k];
    if ((c & 0xc0) !== 0x80) {
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      return need > k ? k : 0;
    }
  }
  return 0;
}

/** Byte offset of the first sequence in `b` that is not UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
function firstInvalid(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (!n || i + n >= b.length) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80, hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return 0;
}

function countLines(b: Uint8Array, end = b.length): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1 && i < end; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Yields the file's contents as UTF-8 Buffers: checked when the file is UTF-8, transcoded
 * otherwise. Path and read errors (a directory, no permission) reject with a one-line message.
 */
export async function* decodedChunks(path: string, what: string, opts: DecodeOptions = {}): AsyncGenerator<Buffer> {
  await checkInputFile(path, what);
  const label = (opts.encoding ?? 'utf8').toLowerCase();
  const utf8 = UTF8.has(label);
  let decoder: TextDecoder | undefined;
  if (!utf8) {
    try {
      decoder = new TextDecoder(label, { fatal: true });
    } catch {
      throw new InputError(`${what}: unknown encoding '${opts.encoding}' (use utf8, latin1, windows-1252, utf-16le, ...)`, 'EENCODING');
    }
  }
  let line = 1, bytes = 0, carry: Buffer = Buffer.alloc(0), first = true;
  const notUtf8 = (at: number, b: Buffer) =>
    new InputError(
      (cli) =>
        `${what}: ${path} line ${line + countLines(b, at)}: byte 0x${b[at].toString(16).toUpperCase().padStart(2, '0')} is not UTF-8; ` +
        `save the file as UTF-8, or name its encoding (${cli ? '--encoding latin1' : "encoding: 'latin1'"} for Excel's Western European CSV)`,
      'EENCODING',
    );
  const stream = createReadStream(path, { signal: opts.signal });
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      bytes += raw.length;
      opts.onBytes?.(bytes);
      if (first) {
        // Files that are not text at all get a message that says what they are.
        if (raw[0] === 0x1f && raw[1] === 0x8b) throw new InputError(`${what}: ${path} is gzip-compressed; decompress it first (gunzip, or zcat into a pipe)`, 'EBINARY');
        if (raw[0] === 0x50 && raw[1] === 0x4b && raw[2] === 0x03 && raw[3] === 0x04)
          throw new InputError(`${what}: ${path} is a ZIP archive (an Excel workbook?); export the sheet as CSV (UTF-8)`, 'EBINARY');
        if (utf8 && raw.length >= 2 && ((raw[0] === 0xff && raw[1] === 0xfe) || (raw[0] === 0xfe && raw[1] === 0xff)))
          throw new InputError((cli) => `${what}: ${path} is UTF-16 text; save it as UTF-8, or pass ${cli ? '--encoding utf-16le' : "encoding: 'utf-16le'"}`, 'EENCODING');
      }
      first = false;
      if (decoder) {
        let text: string;
        try {
          text = decoder.decode(raw, { stream: true });
        } catch {
          throw new InputError(`${what}: ${path} after line ${line}: bytes that are not valid ${decoder.encoding}`, 'EENCODING');
        }
        for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) line++;
        yield Buffer.from(text, 'utf8');
        continue;
      }
      const b = carry.length ? Buffer.concat([carry, raw]) : raw;
      const keep = incompleteTail(b);
      const whole = b.subarray(0, b.length - keep);
      if (!isUtf8(whole)) throw notUtf8(firstInvalid(whole), whole);
      line += countLines(whole);
      carry = Buffer.from(b.subarray(b.length - keep));
      if (whole.length) yield whole;
    }
    if (carry.length) throw notUtf8(0, carry);
    if (decoder) {
      try {
        const rest = decoder.decode();
        if (rest) yield Buffer.from(rest, 'utf8');
      } catch {
        throw new InputError(`${what}: ${path} ends in the middle of a ${decoder.encoding} character`, 'EENCODING');
      }
    }
  } catch (e) {
    throw opts.signal?.aborted ? e : fileError(what, 'read', path, e);
  } finally {
    stream.destroy();
  }
}
