// One learner's uplift ensemble (every fold's networks, learners.ts upliftOf) as one inference
// plan: the embedding lookups, deep and wide paths of all its TabularNets, the per-learner
// difference of arms and the fold mean, in one native call on the preprocessed arrays, where
// the eager path ran ~20 small networks one by one (1.7 ms for one row). Bit-identical to
// upliftOf: the same kernels, in the same order, with each subtraction written as an exact
// negation plus the same single rounding:
//   - class transformation: sigmoid(o) * 2 - 1 (affine; 2s is exact, so one rounding either way);
//   - TARNet: sigmoid of both heads, then t - c as a [1, 2] linear map of weights (-1, 1);
//   - T-learner: sigmoid(t) + (-sigmoid(c));
//   - the fold mean: sum in fold order, times float32(1 / folds), as mul(total, 1 / folds).
import { PlanBuilder, type NativeChain, type Slot } from '../../ops/plan.js';
import { tensor } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { TabularNet } from '../tabular-net.js';
import type { Learner, OutcomeType } from './learners.js';

export class UpliftEnsemblePlan {
  readonly #chain: NativeChain;
  #own: Tensor[] = [];  // the TARNet difference weights the plan made for itself

  /** @throws when a network cannot be lowered (the caller then scores eagerly). */
  constructor(learner: Learner, members: TabularNet[][], numericWidth: number, columns: number, type: OutcomeType) {
    if (!members.length) throw new RangeError('UpliftEnsemblePlan: expected at least one member');
    const b = new PlanBuilder([{ width: numericWidth }, { dtype: 'int32', width: columns }]);
    const lower = (net: TabularNet): Slot => {
      const y = net.lowerInto(b, 0, 1);
      if (typeof y === 'string') throw new TypeError(`UpliftEnsemblePlan: ${y}`);
      return type === 'binary' ? b.unary(y, 'sigmoid') : y;
    };
    let total = -1;
    for (const nets of members) {
      let u: Slot;
      if (learner === 'class-transformation') {
        u = lower(nets[0]);
        if (type === 'binary') u = b.affine(u, { scale: 2, shift: -1 });
      } else if (learner === 'tarnet') {
        if (!this.#own.length) this.#own = [tensor(Float32Array.from([-1, 1]), { shape: [1, 2], device: 'cpu' })];
        u = b.linear(lower(nets[0]), this.#own[0], null);
      } else {
        const c = lower(nets[0]), t = lower(nets[1]);
        u = b.add(t, b.affine(c, { scale: -1 }));
      }
      total = total < 0 ? u : b.add(total, u);
    }
    if (members.length > 1) total = b.affine(total, { scale: Math.fround(1 / members.length) });
    this.#chain = b.build();
  }

  /** The uplift per row ([n] in the outcome's units before the model's scale) of preprocessed rows. */
  run(numeric: Float32Array, categorical: Int32Array): Float32Array {
    return this.#chain.run([numeric, categorical]);
  }

  dispose(): void {
    this.#chain.dispose();
    for (const t of this.#own) t.dispose();
    this.#own = [];
  }
}
