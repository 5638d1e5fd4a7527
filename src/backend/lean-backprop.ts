/**
 * tfjs's backward pass, freeing memory as it goes.
 *
 * tfjs-core's `engine.gradients` keeps every tensor of the backward pass alive until its end: each kernel's saved
 * inputs and outputs, and each intermediate gradient, long after the one node that needs it has run. A training
 * step's peak memory is then the forward's saved tensors plus every gradient of the backward. This version runs the
 * same nodes in the same order with the same kernels (so the same bits), and frees, as soon as a node has run, the
 * gradient of its outputs and the tensors it saved, as PyTorch's autograd does; a gradient summed into another
 * (several consumers of one tensor) is freed after the sum. Freeing is all it adds: no value changes, so every
 * result stays as it was (`src/backend/lean-backprop.test.ts` compares gradients bit for bit with tfjs's own pass on
 * every backend in the tests, and training runs end to end). On the wasm backend a process's heap never shrinks and
 * this machine's first touch of memory is slow, so a smaller peak is also time.
 *
 * Used only where tfjs's own pass would clean the tape (not inside another gradient computation); elsewhere it
 * hands over to tfjs's. `BEACONS_LEAN_MEMORY=0` hands every call over to tfjs's pass (read at each call; it also
 * turns off the forward's per-layer tidy, src/model/llama.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { leanMemory } from '../util/tensors';

/** A node of tfjs's tape (tfjs-core's TapeNode, the fields used here). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

/** The engine's fields and methods used here (tfjs-core's Engine, not exported as a type). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: Gradients;
}

type Gradients = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

/**
 * The nodes on a path from some x to y, in tape order, each with only the inputs that depend on an x (the nodes and
 * inputs tfjs's backward pass visits).
 */
export function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id)); // tensor ids that depend on an x
  const nodeFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodeFromX.add(node.id);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set<number>([y.id]); // tensor ids that y depends on
  const nodeToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      nodeToY.add(node.id);
      for (const t of Object.values(node.inputs)) toY.add(t.id);
    }
  }
  const out: TapeNode[] = [];
  for (const node of tape) {
    if (!nodeFromX.has(node.id) || !nodeToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    out.push({ ...node, inputs });
  }
  return out;
}

let original: Gradients | undefined;

/** Whether the lean backward pass is installed. */
export function leanBackpropInstalled(): boolean {
  return original !== undefined;
}

/** Installs the lean backward pass on tfjs's engine (idempotent; BEACONS_LEAN_MEMORY=0 hands calls to tfjs's). */
export function installLeanBackprop(): void {
  if (original !== undefined) return;
  const engine = tf.engine() as unknown as EngineInternals;
  const tfjsGradients = engine.gradients;
  original = tfjsGradients;
  engine.gradients = function leanGradients(
    this: EngineInternals,
    f: () => tf.Tensor,
    xs: tf.Tensor[],
    dy?: tf.Tensor,
    allowNoGradients = false,
  ) {
    // nested in another gradient computation (tfjs's own pass then leaves the tape to the outer one), or switched off
    if (this.state.gradientDepth !== 0 || !leanMemory())
      return tfjsGradients.call(this, f, xs, dy, allowNoGradients);
    if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32')
      throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    const y = this.scopedRun(
      () => this.startTape(),
      () => this.endTape(),
      () => this.tidy('forward', f),
    );
    if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
    const tape = this.state.activeTape ?? [];
    const path = nodesFromXsToY(tape, xs, y);
    if (!allowNoGradients && path.length === 0) {
      throw new Error(
        'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.',
      );
    }
    return this.tidy('backward', () => {
      const grads = new Map<number, tf.Tensor>(); // tensor id → its gradient so far
      const holders = new Map<tf.Tensor, number>(); // gradient → how many entries of grads hold it
      const hold = (id: number, g: tf.Tensor) => {
        grads.set(id, g);
        holders.set(g, (holders.get(g) ?? 0) + 1);
      };
      /** drops one holder of g; true when none is left */
      const release = (g: tf.Tensor): boolean => {
        const n = (holders.get(g) ?? 0) - 1;
        if (n > 0) holders.set(g, n);
        else holders.delete(g);
        return n <= 0;
      };
      const returned = new Set<number>(xs.map((x) => x.id));
      hold(y.id, dy ?? tf.ones(y.shape));
      for (let i = path.length - 1; i >= 0; i--) {
        const node = path[i];
        if (node.gradient == null) {
          throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        }
        const inputGradients = node.gradient(node.outputs.map((o) => grads.get(o.id) ?? null));
        for (const [name, x] of Object.entries(node.inputs)) {
          if (!(name in inputGradients)) {
            throw new Error(
              `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`,
            );
          }
          const dx = this.tidy(() => inputGradients[name]());
          if (dx.dtype !== 'float32') {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`,
            );
          }
          if (!tf.util.arraysEqual(dx.shape, x.shape)) {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
            );
          }
          const current = grads.get(x.id);
          if (current === undefined) {
            hold(x.id, dx);
          } else {
            hold(x.id, tf.add(current, dx)); // the same sum, in the same order, as tfjs's pass
            if (release(current)) current.dispose();
            if (!holders.has(dx)) dx.dispose();
          }
        }
        // this node has run: its outputs' gradients and its saved tensors are spent
        for (const o of node.outputs) {
          const g = grads.get(o.id);
          if (g === undefined || returned.has(o.id) || g === dy) continue;
          grads.delete(o.id);
          if (release(g)) g.dispose();
        }
        for (const t of node.saved ?? []) if (!holders.has(t)) t.dispose();
      }
      const result = xs.map((x) => grads.get(x.id) as tf.Tensor);
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      this.state.activeTape = null;
      return { value: y, grads: result };
    }) as unknown as { value: tf.Tensor; grads: tf.Tensor[] };
  };
}
