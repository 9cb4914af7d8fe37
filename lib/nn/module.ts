// Module: the base of every layer and model. Parameters, buffers and sub-modules are found by
// walking the module's own properties (like PyTorch's attribute registration), so a model is
// written as plain fields: `this.fc = new Linear(4, 8)`, `this.weight = parameter(...)`.
import { noGrad } from '../autograd/mode.js';
import { assign } from '../ops/inplace.js';
import { to } from '../ops/shape.js';
import { keep } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';
import type { Device } from '../tensor/types.js';

const parameters = new WeakSet<Tensor>();
const buffers = new WeakSet<Tensor>();

/** Marks t as a trainable parameter: it requires grad and outlives tidy() scopes. */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  parameters.add(keep(t));
  return t;
}

/** Marks t as a buffer: saved in the state dict (running statistics) but not trained. */
export function buffer(t: Tensor): Tensor {
  buffers.add(keep(t));
  return t;
}

export function isParameter(t: unknown): t is Tensor {
  return t instanceof Tensor && parameters.has(t);
}

export type StateDict = Record<string, Tensor>;

/** How to rebuild a module: its class name and constructor arguments (JSON values; nested configs are built first). */
export interface ModuleConfig {
  type: string;
  args: unknown[];
}

/**
 * The base of every layer and model. `In` and `Out` type forward(): a plain `Module` (what
 * tl.load returns) can be called with any inputs; `Module<[Tensor], Tensor>` says exactly
 * what a model takes and gives, and every layer class is assignable to its own signature.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export abstract class Module<In extends unknown[] = any[], Out = any> {
  /** Training mode (dropout active, batch statistics) until eval() is called. */
  training = true;
  /** Set by freeze(): batch norm then uses (and keeps) its running statistics even in training mode. */
  frozen = false;

  abstract forward(...inputs: In): Out;

  /** Direct sub-modules with their names, in definition order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value))
        value.forEach((v, i) => {
          if (v instanceof Module) out.push([`${key}.${i}`, v]);
        });
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  #ownTensors(kind: WeakSet<Tensor>): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, value] of Object.entries(this)) if (value instanceof Tensor && kind.has(value)) out.push([key, value]);
    return out;
  }

  /** Every parameter with its dotted name ("0.weight", "encoder.fc.bias"); shared ones once. */
  namedParameters(): [string, Tensor][] {
    return this.#collect(parameters);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): [string, Tensor][] {
    return this.#collect(buffers);
  }

  #collect(kind: WeakSet<Tensor>): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules())
      for (const [name, t] of m.#ownTensors(kind)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    return out;
  }

  /** Number of trainable parameter values. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + (p.requiresGrad ? p.size : 0), 0);
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every parameter and buffer to `device` (copies; the old tensors are freed). Create
   * the optimizer after moving, since it holds the parameter tensors themselves.
   */
  to(device: Device): this {
    for (const [, m] of this.namedModules())
      for (const [key, value] of Object.entries(m)) {
        if (!(value instanceof Tensor) || value.device === device) continue;
        const isParam = parameters.has(value);
        if (!isParam && !buffers.has(value)) continue;
        const moved = noGrad(() => to(value, device));
        if (isParam) {
          moved.requiresGrad = value.requiresGrad;
          parameters.add(keep(moved));
        } else {
          buffers.add(keep(moved));
        }
        (m as unknown as Record<string, unknown>)[key] = moved;
        value.dispose();
      }
    return this;
  }

  /** Stops gradients to every parameter (for transfer learning); unfreeze() undoes it. */
  freeze(): this {
    for (const p of this.parameters()) p.requiresGrad = false;
    for (const [, m] of this.namedModules()) m.frozen = true;
    return this;
  }

  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
    for (const [, m] of this.namedModules()) m.frozen = false;
    return this;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, t] of [...this.namedParameters(), ...this.namedBuffers()]) out[name] = t;
    return out;
  }

  /**
   * Copies values into this module's parameters and buffers (shapes must match). With
   * strict (default), missing or unexpected names are an error and nothing is changed.
   */
  loadStateDict(state: StateDict, opts: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    if (state === null || typeof state !== 'object') throw new TypeError('loadStateDict: expected an object of tensors');
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !(k in own));
    if ((opts.strict ?? true) && (missing.length || unexpected.length))
      throw new RangeError(
        `loadStateDict: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && unexpected.length ? '; ' : ''}${
          unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''
        }`,
      );
    // Check every shape before writing anything, so a bad state dict changes nothing.
    for (const [name, t] of Object.entries(own)) {
      const src = state[name];
      if (src === undefined) continue;
      if (!(src instanceof Tensor)) throw new TypeError(`loadStateDict: '${name}' is not a Tensor`);
      if (src.shape.join() !== t.shape.join())
        throw new RangeError(`loadStateDict: '${name}' has shape [${src.shape.join(', ')}], the module expects [${t.shape.join(', ')}]`);
    }
    for (const [name, t] of Object.entries(own)) if (state[name]) assign(t, state[name]);
    return { missing, unexpected };
  }

  /** A readable tree of the module and its children. */
  toString(): string {
    const lines = [this.describe()];
    for (const [name, child] of this.namedChildren())
      lines.push(...`(${name}): ${child.toString()}`.split('\n').map((l) => '  ' + l));
    return lines.join('\n');
  }

  /**
   * The constructor call that rebuilds this module (built-in layers return one; custom
   * modules return null and are restored with tl.load(path, { into: new MyModel() })).
   */
  config(): ModuleConfig | null {
    return null;
  }

  /** One line about this module's own configuration (layers override it). */
  describe(): string {
    return this.constructor.name;
  }
}
