import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { expectTensorClose } from './helpers/assert.js';
import { uniform } from './helpers/random.js';
import { ref, zip } from './helpers/ref.js';

describe('smoke', () => {
  it('adds with broadcasting against the float64 reference', () => {
    const a = uniform(12), b = uniform(4);
    const out = tl.add(tl.tensor(a, { shape: [3, 4] }), tl.tensor(b, { shape: [4] }));
    expectTensorClose(out, zip(ref(a, [3, 4]), ref(b, [4]), (x, y) => x + y));
  });

  it('reports the native core version of the thread pool', () => {
    expect(tl.getNumThreads()).toBeGreaterThanOrEqual(1);
  });
});
