// Image files and encoded bytes (PNG, JPEG, WebP, GIF, TIFF) -> pixels, through sharp
// (libvips; its npm package ships prebuilt binaries). Every image must have the model's
// channels and size: a wrong one is a one-line error naming the file and what was expected,
// unless the caller asked for resizing. An alpha channel is dropped (products on a white or
// transparent background read the same), and sharp's own failure becomes "cannot decode".
import { readFile } from 'node:fs/promises';
import { InputError } from '../../data/errors.js';

export interface DecodeTarget {
  /** [channels, height, width]; unknown (first image decides) when absent. */
  shape?: [number, number, number];
  /** Resize (cover + centre crop) and convert channels instead of refusing a mismatch. */
  resize?: boolean;
}

export interface Decoded {
  /** Channel-major pixels 0-255, [c, h, w]. */
  pixels: Float32Array;
  shape: [number, number, number];
}

type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp> | undefined;

// Loaded on first use: tabular users never pay for libvips, and a platform without sharp's
// binaries gets an error only when it decodes an image.
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((m) => (m.default ?? m) as unknown as Sharp).catch((e: Error) => {
    sharpModule = undefined;
    throw new InputError(`images: the image decoder (sharp) could not be loaded: ${e.message.split('\n')[0]}`);
  });
  return sharpModule;
}

/** Extensions read as images in a class folder. */
export const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|gif|tiff?|avif)$/i;

/** True for bytes that start like an image file (PNG, JPEG, GIF, WebP, TIFF). */
export function looksEncoded(b: Uint8Array): boolean {
  const sig = (s: number[]) => s.every((v, i) => b[i] === v);
  return b.length > 8 && (sig([0x89, 0x50, 0x4e, 0x47]) || sig([0xff, 0xd8, 0xff]) || sig([0x47, 0x49, 0x46]) || sig([0x52, 0x49, 0x46, 0x46])
    || sig([0x49, 0x49, 0x2a, 0x00]) || sig([0x4d, 0x4d, 0x00, 0x2a]));
}

/** The bytes of an image file; a missing, unreadable or directory path is a one-line error naming it. */
async function readImageFile(path: string, name: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`${name}: no such image file`, 'ENOENT');
    if (code === 'EISDIR') throw new InputError(`${name}: is a directory, not an image file`, 'EISDIR');
    throw new InputError(`${name}: cannot read the image file (${code ?? (e as Error).message})`, code ?? 'EIO');
  }
}

/** Decodes one image (a path or encoded bytes); `name` names it in errors. */
export async function decodeImage(input: string | Uint8Array, name: string, target: DecodeTarget = {}): Promise<Decoded> {
  const sharp = await loadSharp();
  // A path is read here, not by sharp: libvips words a missing file differently from run to
  // run (sometimes as an unsupported format), while the file system's codes say what is wrong.
  const bytes = typeof input === 'string' ? await readImageFile(input, name) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let data: Buffer, info: { width: number; height: number; channels: number };
  try {
    let img = sharp(bytes, { failOn: 'error' });
    const meta = await img.metadata();
    // Greyscale sources stay one channel, everything else (RGB, CMYK, palettes) becomes sRGB;
    // with resize the model's channel count decides.
    const own = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0) <= 1 || meta.space === 'b-w' ? 1 : 3;
    const channels = target.shape && target.resize ? target.shape[0] : own;
    img = img.removeAlpha();
    if (target.shape && target.resize) img = img.resize(target.shape[2], target.shape[1], { fit: 'cover' });
    img = channels === 1 ? img.greyscale() : img.toColourspace('srgb');
    ({ data, info } = await img.raw().toBuffer({ resolveWithObject: true }));
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new InputError(`${name}: cannot decode the image (corrupt or not an image: ${why})`, 'EIMAGE');
  }
  const shape: [number, number, number] = [info.channels, info.height, info.width];
  if (target.shape) {
    const [c, h, w] = target.shape;
    if (shape[0] !== c)
      throw new InputError(`${name}: the image has ${shape[0]} channel${shape[0] === 1 ? '' : 's'}, the model expects ${c} (${c === 1 ? 'greyscale' : c === 3 ? 'RGB' : `${c} channels`}); pass resize: true to convert`, 'EIMAGE');
    if (shape[1] !== h || shape[2] !== w)
      throw new InputError(`${name}: the image is ${shape[2]}x${shape[1]} pixels, the model expects ${w}x${h}; pass resize: true to resize`, 'EIMAGE');
  }
  // sharp gives interleaved HWC bytes; the network reads CHW.
  const [c, h, w] = shape, plane = h * w;
  const pixels = new Float32Array(c * plane);
  for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) pixels[k * plane + p] = data[p * c + k];
  return { pixels, shape };
}
