export type DType = 'float32' | 'int32';
export type Device = 'cpu' | 'cuda';
export type TypedArray = Float32Array | Int32Array;
/** The typed array that holds values of dtype D (both, when D is not known). */
export type ArrayFor<D extends DType> = D extends 'int32' ? Int32Array : D extends 'float32' ? Float32Array : TypedArray;
/** A number, or arbitrarily nested arrays of numbers (booleans count as 0 / 1). */
export type NestedArray = number | boolean | NestedArray[];

export interface TensorOptions {
  shape?: number[];
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}
