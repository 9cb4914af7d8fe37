// Reverse-mode differentiation over the recorded graph: order the nodes so every tensor's
// gradient is complete before its node runs, run each node's backward, accumulate into
// .grad on leaves. Intermediate gradients live in a tidy scope that ends with backward.
import { native } from '../native.js';
import { runTidy, keep } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import { withHeldTensors } from './backward-state.js';
import { noGrad } from './mode.js';

/** Tensors with a gradFn reachable from root, each after every tensor that consumes it. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative post-order DFS (graphs of long sequences are too deep for recursion).
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const next = inputs[i];
      if (next && next.gradFn && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

export function runBackward(root: Tensor, grad: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad)
    throw new Error('backward: this tensor does not require grad (no input of the ops that made it requires grad)');
  if (grad === undefined && root.size !== 1)
    throw new RangeError(`backward: a gradient is needed for a tensor of shape [${root.shape.join(', ')}] (only one-element tensors default to 1)`);
  if (grad !== undefined && grad.shape.join() !== root.shape.join())
    throw new RangeError(`backward: grad has shape [${grad.shape.join(', ')}], the tensor [${root.shape.join(', ')}]`);
  const order = topologicalOrder(root);
  noGrad(() =>
    withHeldTensors(() =>
      runTidy(() => {
        const grads = new Map<Tensor, Tensor>();
        grads.set(root, grad ?? new Tensor(native.full(root.shape, 1, 'float32', root.device)));
        const accumulate = (t: Tensor, g: Tensor): void => {
          if (t.gradFn) {
            const prev = grads.get(t);
            grads.set(t, prev ? prev.add(g) : g);
          } else {
            accumulateLeaf(t, g);
          }
        };
        if (!root.gradFn) accumulateLeaf(root, grads.get(root)!);
        for (const t of order) {
          const g = grads.get(t);
          const node = t.gradFn;
          if (!g || !node) continue;
          grads.delete(t);
          const inputGrads = node.run(g);
          node.inputs.forEach((input, i) => {
            const gi = inputGrads[i];
            if (input && gi) accumulate(input, gi);
          });
        }
        return undefined;
      }, (v: unknown): v is Tensor => false),
    ),
  );
  if (!retainGraph) for (const t of order) t.gradFn?.release();
}

// A leaf's .grad is its own contiguous tensor: the first gradient is copied (the tensor
// handed in may be shared with other inputs or belong to the caller), later ones are added
// in place.
function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (!leaf.requiresGrad) return;
  if (leaf.grad && !leaf.grad.isDisposed) {
    native.binaryInplace('add', leaf.grad.handle, g.handle);
    return;
  }
  const shaped = new Tensor(native.expand(g.handle, leaf.shape)); // freed with the backward scope
  leaf.grad = keep(new Tensor(native.clone(shaped.handle)));
}
