// Gradient recording on/off. A plain flag (not async-context state): noGrad() covers the
// synchronous function it runs, and refuses async ones whose continuations it cannot cover.
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

function runWith<T>(value: boolean, fn: () => T, name: string): T {
  if (typeof fn !== 'function') throw new TypeError(`${name}: expected a function`);
  const before = enabled;
  enabled = value;
  try {
    const result = fn();
    if (result instanceof Promise)
      throw new TypeError(`${name}: fn returned a Promise; wrap the synchronous parts of async code instead`);
    return result;
  } finally {
    enabled = before;
  }
}

/** Runs fn without recording gradients (inference, metric computation); returns its result. */
export function noGrad<T>(fn: () => T): T {
  return runWith(false, fn, 'noGrad');
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return runWith(true, fn, 'enableGrad');
}
