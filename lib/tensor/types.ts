export type DType = 'float32' | 'int32';
export type Device = 'cpu' | 'cuda';
export type TypedArray = Float32Array | Int32Array;
/** A number, or arbitrarily nested arrays of numbers (booleans count as 0 / 1). */
export type NestedArray = number | boolean | NestedArray[];

export interface TensorOptions {
  shape?: number[];
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}
