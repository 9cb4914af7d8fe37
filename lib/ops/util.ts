// Helpers shared by the op modules: argument checks that name the op, and handle wrapping.
import { canUseDisposed } from '../autograd/backward-state.js';
import type { NativeTensor } from '../native.js';
import { Tensor } from '../tensor/tensor.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? `an object (${v.constructor?.name ?? 'no prototype'})` : `a ${typeof v}`;
}

/** The handle of a Tensor argument, or a TypeError naming the op and argument. */
export function handleOf(x: unknown, op: string, arg: string): NativeTensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected ${arg} to be a Tensor, got ${describe(x)}`);
  if (x.isDisposed && !canUseDisposed()) throw new Error(`${op}: ${arg} is a disposed tensor; it cannot be used any more`);
  return x.handle;
}

export function handlesOf(xs: unknown, op: string, arg: string): NativeTensor[] {
  if (!Array.isArray(xs)) throw new TypeError(`${op}: expected ${arg} to be an array of Tensors, got ${describe(xs)}`);
  return xs.map((x, i) => handleOf(x, op, `${arg}[${i}]`));
}

export function wrap(h: NativeTensor): Tensor {
  return new Tensor(h);
}

export function checkNumber(v: unknown, op: string, arg: string): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: expected ${arg} to be a number, got ${describe(v)}`);
  return v;
}

/**
 * Runs a composite op; errors raised by the ops it is built from are renamed to `op`, so the
 * message names the function the user called ("variance: dim 5 ...", not "mean: dim 5 ...").
 */
export function asOp<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && /^[A-Za-z0-9]+: /.test(e.message) && !e.message.startsWith(op + ':'))
      e.message = `${op}: ${e.message.slice(e.message.indexOf(': ') + 2)}`;
    throw e;
  }
}
