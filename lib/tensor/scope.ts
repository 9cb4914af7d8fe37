// tidy() scopes: every tensor made inside a scope is disposed when the scope ends, except
// the ones the scope returns (anywhere inside arrays or plain objects) and kept ones.
import type { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];

/** Registers a new tensor with the innermost open scope. */
export function track(t: Tensor): void {
  const scope = scopes[scopes.length - 1];
  if (scope) scope.add(t);
}

/** Exempts t from disposal by every enclosing tidy() scope. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Tensor>, seen: Set<unknown>, isTensor: (v: unknown) => v is Tensor): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen, isTensor);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen, isTensor);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen, isTensor);
  }
}

function disposeAll(scope: Set<Tensor>, except: Set<Tensor>): void {
  for (const t of scope) if (!except.has(t)) t.dispose();
}

/**
 * Runs fn and disposes every tensor it created, except those it returns; returns fn's
 * result. Scopes nest: returned tensors belong to the enclosing scope. fn must be
 * synchronous (a Promise result is refused: its tensors would outlive the scope).
 */
export function runTidy<T>(fn: () => T, isTensor: (v: unknown) => v is Tensor): T {
  if (typeof fn !== 'function') throw new TypeError('tidy: expected a function');
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    disposeAll(scope, new Set());
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    disposeAll(scope, new Set());
    throw new TypeError('tidy: fn returned a Promise; tidy() only works with synchronous functions');
  }
  const returned = new Set<Tensor>();
  collect(result, returned, new Set(), isTensor);
  disposeAll(scope, returned);
  for (const t of returned) if (scope.has(t)) track(t);
  return result;
}
