// The safetensors format (8-byte little-endian header length, a JSON header of dtypes, shapes
// and byte offsets plus string metadata, then raw little-endian data), read and written
// with validation: every claim in a header is checked against the file before anything is
// allocated. Writes go to a temporary file that replaces the target only when complete.
import { open, rename, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { native } from '../native.js';
import { Tensor } from '../tensor/tensor.js';

const MAX_HEADER = 100 * 1024 * 1024;

// Element readers for the dtypes Python tools commonly write; all load as float32 or int32.
const DTYPES: Record<string, { bytes: number; target: 'float32' | 'int32'; read: (v: DataView, o: number) => number }> = {
  F32: { bytes: 4, target: 'float32', read: (v, o) => v.getFloat32(o, true) },
  F64: { bytes: 8, target: 'float32', read: (v, o) => v.getFloat64(o, true) },
  F16: { bytes: 2, target: 'float32', read: (v, o) => halfToFloat(v.getUint16(o, true)) },
  BF16: { bytes: 2, target: 'float32', read: (v, o) => new Float32Array(new Uint32Array([v.getUint16(o, true) << 16]).buffer)[0] },
  I32: { bytes: 4, target: 'int32', read: (v, o) => v.getInt32(o, true) },
  I64: { bytes: 8, target: 'int32', read: (v, o) => checkedInt32(v.getBigInt64(o, true)) },
  I16: { bytes: 2, target: 'int32', read: (v, o) => v.getInt16(o, true) },
  I8: { bytes: 1, target: 'int32', read: (v, o) => v.getInt8(o) },
  U8: { bytes: 1, target: 'int32', read: (v, o) => v.getUint8(o) },
  BOOL: { bytes: 1, target: 'int32', read: (v, o) => (v.getUint8(o) ? 1 : 0) },
};

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function checkedInt32(v: bigint): number {
  if (v < -2147483648n || v > 2147483647n) throw new RangeError(`safetensors: int64 value ${v} does not fit in int32`);
  return Number(v);
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

function corrupt(path: string, why: string): Error {
  return new Error(`safetensors: ${path} is not a valid safetensors file: ${why}`);
}

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function validateEntry(path: string, name: string, e: unknown, dataSize: number): Entry {
  if (!e || typeof e !== 'object') throw corrupt(path, `entry '${name}' is not an object`);
  const { dtype, shape, data_offsets: off } = e as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPES)) throw corrupt(path, `tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || shape.length > 32 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw corrupt(path, `tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1])
    throw corrupt(path, `tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
  if (off[1] > dataSize) throw corrupt(path, `tensor '${name}' ends at byte ${off[1]} but the data section has ${dataSize} bytes (truncated file?)`);
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  if (count * DTYPES[dtype].bytes !== off[1] - off[0])
    throw corrupt(path, `tensor '${name}' of shape [${shape.join(', ')}] and dtype ${dtype} needs ${count * DTYPES[dtype].bytes} bytes, its offsets span ${off[1] - off[0]}`);
  return { dtype, shape: shape as number[], data_offsets: off as [number, number] };
}

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size < 8) throw corrupt(path, `only ${size} bytes long`);
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const headerLen = lenBuf.readBigUInt64LE(0);
    if (headerLen > BigInt(Math.min(size - 8, MAX_HEADER))) throw corrupt(path, `header length ${headerLen} exceeds the file (${size} bytes)`);
    const header = Buffer.alloc(Number(headerLen));
    await fh.read(header, 0, header.length, 8);
    let parsed: unknown;
    try {
      parsed = JSON.parse(header.toString('utf8'));
    } catch {
      throw corrupt(path, 'the header is not JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw corrupt(path, 'the header is not a JSON object');
    const dataStart = 8 + header.length, dataSize = size - dataStart;
    const { __metadata__: meta = {}, ...entries } = parsed as Record<string, unknown>;
    if (!meta || typeof meta !== 'object' || Object.values(meta).some((v) => typeof v !== 'string'))
      throw corrupt(path, '__metadata__ must map names to strings');
    const checked = Object.entries(entries).map(([name, e]) => [name, validateEntry(path, name, e, dataSize)] as const);
    const tensors: Record<string, Tensor> = {};
    try {
      for (const [name, e] of checked) {
        const bytes = Buffer.alloc(e.data_offsets[1] - e.data_offsets[0]);
        await fh.read(bytes, 0, bytes.length, dataStart + e.data_offsets[0]);
        tensors[name] = new Tensor(native.fromData(decode(e, bytes), e.shape));
      }
    } catch (err) {
      for (const t of Object.values(tensors)) t.dispose();
      throw err;
    }
    return { tensors, metadata: meta as Record<string, string> };
  } finally {
    await fh.close();
  }
}

function decode(e: Entry, bytes: Buffer): Float32Array | Int32Array {
  const spec = DTYPES[e.dtype];
  const n = bytes.length / spec.bytes;
  const out = spec.target === 'float32' ? new Float32Array(n) : new Int32Array(n);
  if ((e.dtype === 'F32' || e.dtype === 'I32') && endianness() === 'LE') {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = spec.read(view, i * spec.bytes);
  return out;
}

/** Writes tensors (+ string metadata) to path atomically: a crash leaves the old file intact. */
export async function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Promise<void> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new TypeError(`save: '${name}' is not a Tensor`);
    const data = await t.data();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (endianness() !== 'LE') throw new Error('save: big-endian hosts are not supported');
    header[name] = { dtype: t.dtype === 'int32' ? 'I32' : 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8; // data starts 8-byte aligned
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(len);
    await fh.write(json);
    for (const b of blobs) await fh.write(b);
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
