// A node of the autograd graph: the op that produced a tensor, the inputs its gradient flows
// to, and the tensors its backward function reads. Nodes hold "graph references" on those
// tensors so a tidy() scope or dispose() cannot free them before backward runs; the native
// memory is released once the last reference goes (after backward, or when the graph is
// dropped).
import type { Tensor } from '../tensor/tensor.js';

export type BackwardFn = (grad: Tensor) => (Tensor | null | undefined)[];

export class GradNode {
  readonly name: string;
  inputs: (Tensor | null)[];
  #held: Tensor[];
  #backward: BackwardFn | null;

  constructor(name: string, output: Tensor, inputs: (Tensor | null)[], saved: Tensor[], backward: BackwardFn) {
    this.name = name;
    this.inputs = inputs;
    this.#backward = backward;
    // The op's own output may be saved (sigmoid's gradient reads it), but it is not held: the
    // output owns this node, so a reference back would keep both alive forever.
    const held = new Set([...inputs.filter((t): t is Tensor => t !== null), ...saved]);
    held.delete(output);
    this.#held = [...held];
    for (const t of this.#held) t.graphRefs += 1;
  }

  get released(): boolean {
    return this.#backward === null;
  }

  run(grad: Tensor): (Tensor | null | undefined)[] {
    if (!this.#backward)
      throw new Error(
        `backward: the graph through '${this.name}' was already freed (call backward({ retainGraph: true }) to backpropagate twice)`,
      );
    return this.#backward(grad);
  }

  /** Drops the references; tensors already disposed by their owner are freed now. */
  release(): void {
    if (!this.#backward) return;
    this.#backward = null;
    const held = this.#held;
    this.#held = [];
    this.inputs = [];
    for (const t of held) {
      t.graphRefs -= 1;
      if (t.graphRefs === 0 && t.isDisposed) t.freeNative();
    }
  }
}
