/**
 * A SIMD128 `BatchMatMul` / `_FusedMatMul` for the tfjs wasm backend that gives the same bits as tfjs's own.
 *
 * tfjs-backend-wasm 4.22.0 hands a product to XNNPACK only when neither side is transposed and both batch sizes are 1;
 * every other product (transposed, or batched: attention, stacked adapters, their gradients) runs
 * `slow_batch_matmul`, a scalar loop blocked by 48 (≈ 1 GFLOP/s). src/kernels/matmul.c computes 4–8 neighbouring
 * outputs at once with the same float operations in the same order (see its header), so each output has the same
 * bits; the bitwise test (simd-matmul.test.ts) compares it with tfjs's kernel over random shapes and flags.
 *
 * The module imports the backend's own memory: it reads the inputs where tfjs keeps them and writes the output
 * tfjs allocated (`makeOutput`), with no copies, except an explicit transposed copy of `b` when `transposeB`
 * (made by matmul.c's transpose_last in memory tfjs allocates; a copy changes no value).
 *
 * Routed to tfjs's kernel, unchanged: XNNPACK's case (untransposed, both batches 1), non-float32 inputs, shapes
 * tfjs rejects (it throws its own error), batch shapes whose broadcast size is not the larger batch (tfjs's
 * modulo indexing), `_FusedMatMul` with prelu/leakyrelu/sigmoid/elu, and inputs that are not rank 3 there.
 *
 * `loneMatMul` multiplies a batch of one, [1, m, k] × [1, k, n], in this same kernel (the order tfjs-wasm uses for a
 * batch of two or more, not XNNPACK's): src/peft/groups.ts's `stackMatMul` needs that order for a lone adapter, and
 * without this kernel gets it by multiplying a batch of two (itself and a zero pair), twice the work.
 *
 * Transpose (last two axes, float32/int32) is replaced too: a copy, so trivially the same bits, in 4×4 SIMD blocks
 * instead of tfjs's one scalar load per element (the gradients transpose explicitly, src/model/gradients.ts).
 *
 * Identity shares its input's buffer (a reference count, as tfjs's cpu backend and the wasm Reshape do) instead of
 * copying it: tfjs tensors are never written in place, so the bits are the input's either way.
 *
 * GatherV2 along axis 0 (float32/int32) copies whole rows in the backend's memory (`copyWithin`) instead of tfjs's
 * element-by-element loop with stride arithmetic (about 40 ns an element): a copy, so the same bytes. The embedding
 * lookup and the packed layout's moves between real and padded rows (src/model/packing.ts) are such gathers.
 *
 * `BEACONS_SIMD_MATMUL=0` keeps tfjs's kernels (for users and for the before/after benchmark).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { transposeLast } from '../util/tensors';

/** The parts of the WebAssembly API used here (this project compiles without the DOM lib, which declares them). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The parts of tfjs-backend-wasm's `BackendWasm` used here. */
export interface WasmBackendLike {
  /** `asm.memory` is the WebAssembly.Memory of the backend's module (emscripten's `Module.asm`) */
  wasm: { asm: { memory: object }; HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: tf.DataId): { id: number; memoryOffset: number; shape: number[] } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  incRef(dataId: tf.DataId): void;
}

type BatchMatMulFn = (
  a: number,
  b: number,
  out: number,
  bias: number,
  aBatches: number,
  bBatches: number,
  batch: number,
  m: number,
  k: number,
  n: number,
  transposeA: number,
  biasSize: number,
  lo: number,
  hi: number,
) => void;

const WASM_FILE = 'matmul.wasm';

/** src/kernels/matmul.wasm (next to this file under tsx; from build/kernels, the one in src). */
export function kernelWasmPath(): string {
  const here = path.join(__dirname, WASM_FILE);
  if (fs.existsSync(here)) return here;
  const src = path.resolve(__dirname, '..', '..', 'src', 'kernels', WASM_FILE);
  if (fs.existsSync(src)) return src;
  throw new Error(`simd-matmul: ${WASM_FILE} not found next to ${__filename} nor at ${src}`);
}

type TransposeFn = (src: number, dst: number, batch: number, rows: number, cols: number) => void;

/** src/kernels/adamw.c's `adamw` (see src/kernels/adamw.ts) */
export type AdamWFn = (
  p: number,
  m: number,
  v: number,
  g: number,
  coef: number,
  active: number,
  pOut: number,
  mOut: number,
  vOut: number,
  groups: number,
  per: number,
  beta1: number,
  omb1: number,
  beta2: number,
  omb2: number,
  bc1: number,
  bc2: number,
  eps: number,
  lr: number,
  decay: number,
  useDecay: number,
  hasActive: number,
) => void;

interface Kernels {
  batchMatMul: BatchMatMulFn;
  transposeLast: TransposeFn;
  adamw: AdamWFn;
}

let compiled: object | undefined;
/** products run by the SIMD kernel since the process started (tests check that a case did not fall back) */
let runs = 0;

/** How many products (and transposes) the SIMD kernels have computed in this process. */
export function simdMatMulRuns(): number {
  return runs;
}
const instances = new WeakMap<object, Kernels>();

/** The compiled matmul.wasm (once per process); throws where the engine lacks SIMD128. */
function compiledModule(): object {
  if (compiled === undefined) {
    const file = kernelWasmPath();
    try {
      compiled = new WA.Module(fs.readFileSync(file));
    } catch (e) {
      throw new Error(
        `simd-matmul: cannot compile ${file} (needs WebAssembly SIMD128): ${(e as Error).message}`,
      );
    }
  }
  return compiled;
}

/** The kernels of matmul.wasm, instantiated on this backend's memory (once per backend). */
export function kernelsFor(backend: WasmBackendLike): Kernels {
  let k = instances.get(backend);
  if (k === undefined) {
    const instance = new WA.Instance(compiledModule(), { env: { memory: backend.wasm.asm.memory } });
    k = {
      batchMatMul: instance.exports.batch_matmul as BatchMatMulFn,
      transposeLast: instance.exports.transpose_last as TransposeFn,
      adamw: instance.exports.adamw as AdamWFn,
    };
    instances.set(backend, k);
  }
  return k;
}

/** Where a tensor's data starts in the backend's memory (bytes). */
export function offsetOf(backend: WasmBackendLike, t: tf.TensorInfo, what: string): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data === undefined) throw new Error(`simd-matmul: ${what} has no data on the wasm backend`);
  return data.memoryOffset;
}

interface Product {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** batch sizes of a and b (product of the leading dims) and of the output */
  aBatches: number;
  bBatches: number;
  batch: number;
  m: number;
  k: number;
  n: number;
  /** the output shape tfjs gives */
  outShape: number[];
  bias?: tf.TensorInfo;
  lo: number;
  hi: number;
}

/**
 * Runs one product in the SIMD kernel and returns its output, allocated by the backend.
 * a is [aBatches, m, k] ([aBatches, k, m] if transposeA), b is [bBatches, k, n] ([bBatches, n, k] if transposeB).
 */
function run(backend: WasmBackendLike, p: Product): tf.TensorInfo {
  const kernels = kernelsFor(backend);
  // a transposed b ([bBatches, n, k]) becomes an explicit [bBatches, k, n] copy; freed below
  let bInfo: tf.TensorInfo = p.b;
  let bCopy: tf.TensorInfo | undefined;
  if (p.transposeB) {
    bCopy = backend.makeOutput([p.bBatches, p.k, p.n], 'float32');
    kernels.transposeLast(
      offsetOf(backend, p.b, 'b'),
      offsetOf(backend, bCopy, 'b copy'),
      p.bBatches,
      p.n,
      p.k,
    );
    bInfo = bCopy;
  }
  const out = backend.makeOutput([p.batch, p.m, p.n], 'float32'); // [batch, m, n]
  let biasOffset = 0;
  let biasSize = 0;
  if (p.bias !== undefined) {
    const data = backend.dataIdMap.get(p.bias.dataId);
    if (data === undefined) throw new Error('simd-matmul: bias has no data on the wasm backend');
    biasOffset = data.memoryOffset;
    biasSize = tf.util.sizeFromShape(data.shape); // the size tfjs registered for the bias buffer
  }
  // offsets are read after every allocation above (an allocation may grow the memory; offsets stay valid)
  kernels.batchMatMul(
    offsetOf(backend, p.a, 'a'),
    offsetOf(backend, bInfo, 'b'),
    offsetOf(backend, out, 'output'),
    biasOffset,
    p.aBatches,
    p.bBatches,
    p.batch,
    p.m,
    p.k,
    p.n,
    p.transposeA ? 1 : 0,
    biasSize,
    p.lo,
    p.hi,
  );
  if (bCopy !== undefined) backend.disposeData(bCopy.dataId);
  runs++;
  return { dataId: out.dataId, shape: p.outShape, dtype: 'float32' };
}

/** Batch sizes and the output shape as tfjs-wasm computes them, or undefined where tfjs's kernel must decide. */
function plan(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean) {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  if (k !== kb) return undefined; // tfjs throws its own error
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const aBatches = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const bBatches = tf.util.sizeFromShape(b.shape.slice(0, -2));
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    return undefined; // tfjs throws its own error
  }
  const batch = Math.max(aBatches, bBatches);
  if (tf.util.sizeFromShape(outer) !== batch) return undefined; // tfjs's modulo batch indexing: keep its answer
  if (!transposeA && !transposeB && aBatches === 1 && bBatches === 1) return undefined; // XNNPACK
  return { aBatches, bBatches, batch, m, k, n, outShape: [...outer, m, n] };
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}

type Replaced = 'batchMatMul' | 'fusedMatMul' | 'transpose' | 'identity' | 'gather';
const KERNEL_NAMES: Record<Replaced, string> = {
  batchMatMul: 'BatchMatMul',
  fusedMatMul: '_FusedMatMul',
  transpose: 'Transpose',
  identity: 'Identity',
  gather: 'GatherV2',
};
let originals: Record<Replaced, tf.KernelConfig> | undefined;

function simdBatchMatMul(args: KernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const transposeA = args.attrs.transposeA === true;
  const transposeB = args.attrs.transposeB === true;
  const p = plan(a, b, transposeA, transposeB);
  if (p === undefined || originals === undefined) {
    return originalFunc('batchMatMul')(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const backend = args.backend as unknown as WasmBackendLike;
  return run(backend, { a, b, transposeA, transposeB, ...p, lo: -Infinity, hi: Infinity });
}

/** The fused clamp of tfjs's slow path (output_min, output_max) for the activations handled here. */
const CLAMPS: Record<string, [number, number]> = {
  linear: [-Infinity, Infinity],
  relu: [0, Infinity],
  relu6: [0, 6],
};

function simdFusedMatMul(args: KernelArgs): tf.TensorInfo {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const transposeA = args.attrs.transposeA === true;
  const transposeB = args.attrs.transposeB === true;
  const clamp = CLAMPS[String(args.attrs.activation ?? 'linear')];
  const backend = args.backend as unknown as WasmBackendLike;
  const biasRank = bias === undefined || bias === null ? 1 : backend.dataIdMap.get(bias.dataId)?.shape.length;
  const p =
    a !== undefined && b !== undefined && a.shape.length === 3 && b.shape.length === 3
      ? plan(a, b, transposeA, transposeB)
      : undefined;
  if (
    p === undefined ||
    a === undefined ||
    b === undefined ||
    clamp === undefined ||
    biasRank !== 1 ||
    (preluActivationWeights !== undefined && preluActivationWeights !== null)
  ) {
    return originalFunc('fusedMatMul')(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  return run(backend, {
    a,
    b,
    transposeA,
    transposeB,
    ...p,
    bias: bias ?? undefined,
    lo: clamp[0],
    hi: clamp[1],
  });
}

/**
 * Transpose that swaps the last two axes of a float32 or int32 tensor (the gradients' `transposeLast`, and every 2-D
 * transpose): a copy of bits in 4×4 SIMD blocks. Anything else, and the no-copy cases (a swapped axis of size 1), go
 * to tfjs's kernel.
 */
function simdTranspose(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const perm = args.attrs.perm as number[];
  const r = x.shape.length;
  const swapsLastTwo =
    r >= 2 &&
    perm.length === r &&
    perm[r - 2] === r - 1 &&
    perm[r - 1] === r - 2 &&
    perm.slice(0, -2).every((p, i) => p === i);
  const rows = x.shape[r - 2];
  const cols = x.shape[r - 1];
  if (
    originals === undefined ||
    (x.dtype !== 'float32' && x.dtype !== 'int32') ||
    !swapsLastTwo ||
    rows <= 1 ||
    cols <= 1
  ) {
    return originalFunc('transpose')(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const backend = args.backend as unknown as WasmBackendLike;
  const batch = tf.util.sizeFromShape(x.shape.slice(0, -2));
  const out = backend.makeOutput(
    perm.map((p) => x.shape[p]),
    x.dtype,
  ); // [..., cols, rows]
  kernelsFor(backend).transposeLast(
    offsetOf(backend, x, 'x'),
    offsetOf(backend, out, 'output'),
    batch,
    rows,
    cols,
  );
  runs++;
  return out;
}

/** Identity without a copy: the output is the input's buffer, one more reference to it (strings: tfjs's kernel). */
function sharedIdentity(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (originals === undefined || x.dtype === 'string') {
    return originalFunc('identity')(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * GatherV2 along axis 0 with no batch dims, float32 or int32: out[i] = x[indices[i]], a row at a time with
 * `copyWithin` (the same bytes as tfjs's element loop). Other gathers: tfjs's kernel. Out-of-range indices throw
 * tfjs's error before anything is written.
 */
function rowGather(args: KernelArgs): tf.TensorInfo {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const axis = x.shape.length === 0 ? -1 : tf.util.parseAxisParam(args.attrs.axis as number, x.shape)[0];
  const batchDims = (args.attrs.batchDims as number | undefined) ?? 0;
  if (
    originals === undefined ||
    axis !== 0 ||
    batchDims !== 0 ||
    (x.dtype !== 'float32' && x.dtype !== 'int32') ||
    indices.dtype !== 'int32'
  ) {
    return originalFunc('gather')(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const backend = args.backend as unknown as WasmBackendLike;
  const rows = x.shape[0];
  const rowBytes = 4 * tf.util.sizeFromShape(x.shape.slice(1));
  const n = tf.util.sizeFromShape(indices.shape);
  const idxAt = offsetOf(backend, indices, 'GatherV2 indices');
  const idx = new Int32Array(backend.wasm.HEAPU8.buffer, idxAt, n).slice(); // a copy: makeOutput may grow the heap
  for (let i = 0; i < n; i++) {
    const j = idx[i];
    if (!(j >= 0 && j < rows)) throw new Error(`GatherV2: the index value ${j} is not in [0, ${rows - 1}]`);
  }
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  gathers++;
  if (n === 0 || rowBytes === 0) return out;
  const heap = backend.wasm.HEAPU8; // after makeOutput
  const from = offsetOf(backend, x, 'GatherV2 x');
  const to = offsetOf(backend, out, 'GatherV2 output');
  for (let i = 0; i < n; i++) {
    const src = from + idx[i] * rowBytes;
    heap.copyWithin(to + i * rowBytes, src, src + rowBytes);
  }
  return out;
}
let gathers = 0;

/** How many gathers the row kernel has run (tests: routing). */
export function rowGatherRuns(): number {
  return gathers;
}

function originalFunc(which: Replaced): tf.KernelFunc {
  if (originals === undefined) throw new Error('simd-matmul: tfjs wasm kernels not captured');
  return originals[which].kernelFunc;
}

function reRegister(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** The kernel behind `loneMatMul` (wasm only; registered with the replacements). */
const LONE_KERNEL = 'BeaconsLoneMatMul';

/** a [1, m, k] × b [1, k, n] → [1, m, n] in the SIMD kernel (the slow path's order at batch one). */
function loneKernel(args: KernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const [m, k, n] = [a.shape[1], a.shape[2], b.shape[2]];
  const common = { transposeA: false, transposeB: false, aBatches: 1, bBatches: 1, batch: 1 };
  const backend = args.backend as unknown as WasmBackendLike;
  return run(backend, { a, b, ...common, m, k, n, outShape: [1, m, n], lo: -Infinity, hi: Infinity });
}

/**
 * The differentiable lone product: value and gradients are what a batch of two with a zero pair gives in its first
 * half (the project's BatchMatMul gradient, src/model/gradients.ts: dA = dy·bᵀ, dB = aᵀ·dy with explicit
 * transposes), each product in the SIMD kernel.
 */
const loneOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b] = args as [tf.Tensor3D, tf.Tensor3D];
  (args[2] as tf.GradSaveFunc)([a, b]);
  return {
    value: tf.engine().runKernel(LONE_KERNEL, { a, b }, {}) as tf.Tensor3D,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      const g = dy as tf.Tensor3D;
      return [loneOp(g, transposeLast(sb) as tf.Tensor3D), loneOp(transposeLast(sa) as tf.Tensor3D, g)];
    },
  };
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

/**
 * a [1, m, k] × b [1, k, n] → [1, m, n] summed in the order of tfjs-wasm's batched products (the same bits as the first
 * half of a batch of two), differentiable; undefined where the SIMD kernels are not active on the wasm backend (the
 * caller then multiplies a batch of two).
 */
export function loneMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D | undefined {
  if (a.shape[0] !== 1 || b.shape[0] !== 1 || a.shape[2] !== b.shape[1]) {
    throw new Error(`loneMatMul: needs [1, m, k] × [1, k, n], got [${a.shape}] × [${b.shape}]`);
  }
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (tf.getBackend() !== 'wasm' || !simdMatMulEnabled()) return undefined;
  return loneOp(a, b);
}

/** Whether the SIMD kernels are registered now. */
export function simdMatMulEnabled(): boolean {
  return originals !== undefined && tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc === simdBatchMatMul;
}

const REPLACEMENTS: Record<Replaced, (args: KernelArgs) => tf.TensorInfo> = {
  batchMatMul: simdBatchMatMul,
  fusedMatMul: simdFusedMatMul,
  transpose: simdTranspose,
  identity: sharedIdentity,
  gather: rowGather,
};

/**
 * Registers (on = true) or removes (false) the SIMD BatchMatMul, _FusedMatMul and Transpose, the sharing Identity
 * and the row GatherV2 on the wasm backend;
 * tfjs's own kernels are kept and used for everything routed to them. Needs `@tensorflow/tfjs-backend-wasm` loaded.
 */
export function setSimdMatMul(on: boolean): void {
  if (originals === undefined) {
    const found: Partial<Record<Replaced, tf.KernelConfig>> = {};
    for (const [key, name] of Object.entries(KERNEL_NAMES) as [Replaced, string][]) {
      const k = tf.getKernel(name, 'wasm');
      if (k === undefined) {
        throw new Error(`simd-matmul: load @tensorflow/tfjs-backend-wasm first (no wasm ${name} kernel)`);
      }
      found[key] = k;
    }
    originals = found as Record<Replaced, tf.KernelConfig>;
    tf.registerKernel({
      kernelName: LONE_KERNEL,
      backendName: 'wasm',
      kernelFunc: loneKernel as unknown as tf.KernelFunc,
    });
  }
  if (on === simdMatMulEnabled()) return;
  if (on) compiledModule(); // fail here, with tfjs's kernels still registered, not inside a training step
  for (const key of Object.keys(KERNEL_NAMES) as Replaced[]) {
    const original = originals[key];
    // a backend initialised after this runs tfjs's setup (its cwrap) through ours
    reRegister(on ? { ...original, kernelFunc: REPLACEMENTS[key] as unknown as tf.KernelFunc } : original);
  }
}

/**
 * Called by initBackend for the wasm backend: the SIMD kernels unless BEACONS_SIMD_MATMUL=0. Where they cannot be
 * compiled (an engine without SIMD128) tfjs's kernels stay, with a warning: the same numbers, slower.
 */
export function installSimdMatMul(): boolean {
  const on = process.env.BEACONS_SIMD_MATMUL !== '0';
  try {
    setSimdMatMul(on);
  } catch (e) {
    console.error(`[beacons] ${(e as Error).message}; keeping tfjs's kernels`);
    return false;
  }
  return on;
}
