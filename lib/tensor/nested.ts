// Nested JS arrays <-> flat typed arrays plus a shape.
import type { DType, NestedArray, TypedArray } from './types.js';

export function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

/** Flattens `data` in row-major order, checking it is rectangular and numeric. */
export function flattenNested(data: NestedArray, shape: number[], dtype: DType): TypedArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  let k = 0;
  const walk = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      let num: number;
      if (typeof v === 'number') num = v;
      else if (typeof v === 'boolean') num = v ? 1 : 0;
      else if (Array.isArray(v))
        throw new RangeError(`tensor: ragged nested array at ${path || 'the top level'}: expected a number, got an array`);
      else throw new TypeError(`tensor: expected a number at ${path || 'the top level'}, got ${v === null ? 'null' : typeof v}`);
      if (dtype === 'int32' && !(Number.isInteger(num) && num >= -2147483648 && num <= 2147483647))
        throw new RangeError(`tensor: ${num} at ${path || 'the top level'} is not an int32 value`);
      out[k++] = num;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw new RangeError(
        `tensor: ragged nested array at ${path || 'the top level'}: expected ${shape[depth]} entries, got ${
          Array.isArray(v) ? v.length : 'a ' + typeof v
        }`,
      );
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
  return out;
}

/** Builds nested arrays of `shape` from flat row-major values. */
export function toNested(values: TypedArray, shape: number[]): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (offset: number, depth: number): NestedArray[] => {
    const n = shape[depth];
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++)
      out[i] = depth === shape.length - 1 ? values[offset + i] : build(offset + i * stride, depth + 1);
    return out;
  };
  return build(0, 0);
}
