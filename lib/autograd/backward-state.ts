// While backward() runs, its functions may read tensors their owner already disposed but the
// graph still holds (tidy() scopes end before backward is called). Only then is that allowed.
let depth = 0;

export function canUseDisposed(): boolean {
  return depth > 0;
}

export function withHeldTensors<T>(fn: () => T): T {
  depth += 1;
  try {
    return fn();
  } finally {
    depth -= 1;
  }
}
