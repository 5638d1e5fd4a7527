/**
 * A fused AdamW update on the wasm backend: src/kernels/adamw.c does in one pass what AdamW.apply's chain of tfjs
 * ops (src/train/optimizer.ts) does in about 25 kernels a variable, with the same float32 operations in the same
 * order per element, so the same bits (src/kernels/adamw.test.ts compares them). Active with the other src/kernels
 * replacements (wasm, unless BEACONS_SIMD_MATMUL=0; BEACONS_FUSED_ADAMW=0 turns off this one alone, for the
 * before/after timing); elsewhere `fusedAdamW` returns undefined and the optimiser runs its tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';
import { kernelsFor, offsetOf, simdMatMulEnabled, type WasmBackendLike } from './simd-matmul';

const KERNEL = 'BeaconsAdamW';
let runs = 0;

/** How many variables the fused kernel has updated in this process (tests: routing). */
export function adamwRuns(): number {
  return runs;
}

/** The scalars of one update, as JavaScript numbers (the kernel rounds each to float32, as tfjs's scalars are). */
export interface AdamWScalars {
  beta1: number;
  beta2: number;
  /** 1 − beta1^t and 1 − beta2^t */
  bc1: number;
  bc2: number;
  eps: number;
  lr: number;
  /** the decay factor 1 − lr·weightDecay, or undefined for no decay */
  decay: number | undefined;
}

interface Attrs extends AdamWScalars {
  groups: number;
}

function adamwKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const { p, m, v, g, coef, active } = args.inputs as Record<string, tf.TensorInfo | undefined> as Record<
    'p' | 'm' | 'v' | 'g' | 'coef',
    tf.TensorInfo
  > & { active?: tf.TensorInfo };
  const a = args.attrs as unknown as Attrs;
  const backend = args.backend as unknown as WasmBackendLike;
  const size = tf.util.sizeFromShape(p.shape);
  const outs = [p, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  // offsets after every allocation (an allocation may grow the memory)
  kernelsFor(backend).adamw(
    offsetOf(backend, p, 'p'),
    offsetOf(backend, m, 'm'),
    offsetOf(backend, v, 'v'),
    offsetOf(backend, g, 'gradient'),
    offsetOf(backend, coef, 'clip coefficients'),
    active === undefined ? 0 : offsetOf(backend, active, 'active mask'),
    offsetOf(backend, outs[0], 'p output'),
    offsetOf(backend, outs[1], 'm output'),
    offsetOf(backend, outs[2], 'v output'),
    a.groups,
    size / a.groups,
    a.beta1,
    1 - a.beta1,
    a.beta2,
    1 - a.beta2,
    a.bc1,
    a.bc2,
    a.eps,
    a.lr,
    a.decay ?? 1,
    a.decay === undefined ? 0 : 1,
    active === undefined ? 0 : 1,
  );
  runs++;
  return outs;
}

/**
 * The updated parameter, first and second moments of one variable `p` ([groups, …] when stacked, else one group)
 * with gradient `g`, per-group clip coefficients `coef` [groups] and optional per-group active mask [groups]; the
 * caller owns the three new tensors. Undefined where the kernel is not active (the caller uses tfjs ops).
 */
export function fusedAdamW(
  t: { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor; g: tf.Tensor; coef: tf.Tensor; active?: tf.Tensor1D },
  groups: number,
  s: AdamWScalars,
): [tf.Tensor, tf.Tensor, tf.Tensor] | undefined {
  if (tf.getBackend() !== 'wasm' || !simdMatMulEnabled() || process.env.BEACONS_FUSED_ADAMW === '0')
    return undefined;
  const all = [t.p, t.m, t.v, t.g, t.coef, ...(t.active ? [t.active] : [])];
  if (all.some((x) => x.dtype !== 'float32')) return undefined;
  const size = t.p.size;
  if ([t.m, t.v, t.g].some((x) => !tf.util.arraysEqual(x.shape, t.p.shape)))
    throw new Error(
      `fusedAdamW: p, m, v and g must have one shape, got ${[t.p, t.m, t.v, t.g].map((x) => `[${x.shape}]`)}`,
    );
  if (t.coef.size !== groups || (t.active !== undefined && t.active.size !== groups) || size % groups !== 0)
    throw new Error(`fusedAdamW: ${groups} groups do not fit p [${t.p.shape}], coef [${t.coef.shape}]`);
  if (tf.getKernel(KERNEL, 'wasm') === undefined)
    tf.registerKernel({
      kernelName: KERNEL,
      backendName: 'wasm',
      kernelFunc: adamwKernel as unknown as tf.KernelFunc,
    });
  const inputs = { p: t.p, m: t.m, v: t.v, g: t.g, coef: t.coef, ...(t.active ? { active: t.active } : {}) };
  const attrs = { ...s, groups } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(KERNEL, inputs, attrs) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
