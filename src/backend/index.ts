/**
 * Picks and initialises the TensorFlow.js backend.
 *
 * `BEACONS_BACKEND` (or the `name` argument) is one of:
 * - `auto`       the fastest available backend that passes a quick self-check (tensorflow > webgpu > wasm > cpu);
 * - `tensorflow` `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` (optional; `npm run setup:cuda`);
 * - `webgpu`     Dawn for Node (`webgpu` package) + `@tensorflow/tfjs-backend-webgpu` (optional, see src/backend/README.md);
 * - `wasm`       `@tensorflow/tfjs-backend-wasm` (SIMD, one thread), the default on a laptop;
 * - `cpu`        pure JavaScript (slow, always there; the numerical reference).
 */
import * as tf from '@tensorflow/tfjs';
import { installSimdMatMul } from '../kernels/simd-matmul';
import { installFastGradients } from '../model/gradients';
import { installLeanBackprop } from './lean-backprop';

export type BackendName = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendInfo {
  /** the tfjs backend name now active ('tensorflow', 'webgpu', 'wasm', 'cpu') */
  name: string;
  /** what was asked for */
  requested: BackendName;
  /** why other backends were skipped (auto) */
  skipped: string[];
}

let current: BackendInfo | undefined;

/** A loader gets what was asked for ('auto' or its own name): under 'auto' it may decline (e.g. software WebGPU). */
type BackendLoader = (requested: BackendName) => Promise<boolean>;

/**
 * The optional GPU backends, each in its own module of this folder (tensorflow.ts, webgpu.ts), imported on first need (nothing heavy loads
 * until a backend is chosen; library users need not import anything). Those modules do not import this one.
 */
const optionalLoaders: Record<'tensorflow' | 'webgpu', BackendLoader> = {
  tensorflow: async () => (await import('./tensorflow')).tensorflowLoader(),
  webgpu: async (requested) => (await import('./webgpu')).webgpuLoader(requested),
};

function parseName(name: string | undefined): BackendName {
  const n = (name ?? 'auto').trim().toLowerCase() || 'auto';
  if (!(BACKEND_NAMES as readonly string[]).includes(n)) {
    throw new Error(
      `Unknown backend '${name}' (BEACONS_BACKEND or --backend): use one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
  return n as BackendName;
}

async function activate(
  name: Exclude<BackendName, 'auto'>,
  requested: BackendName,
): Promise<string | undefined> {
  if (name === 'wasm') {
    require('@tensorflow/tfjs-backend-wasm');
    installSimdMatMul(); // bit-identical SIMD BatchMatMul (src/kernels/simd-matmul.ts); BEACONS_SIMD_MATMUL=0: off
  } else if (name === 'tensorflow' || name === 'webgpu') {
    const load = optionalLoaders[name];
    let ok = false;
    try {
      ok = await load(requested);
    } catch (e) {
      return `${name}: ${(e as Error).message}`;
    }
    if (!ok) return `${name}: package not installed`;
  }
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    return `${name}: ${(e as Error).message}`;
  }
  if (!ok || tf.getBackend() !== name) return `${name}: failed to initialise`;
  const problem = await selfCheck();
  return problem === undefined ? undefined : `${name}: self-check failed (${problem})`;
}

/** A tiny matMul + gradient check against hand-computed values. Returns a problem description or undefined. */
export async function selfCheck(): Promise<string | undefined> {
  const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const b = tf.tensor2d([5, 6, 7, 8], [2, 2]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor2D, b)))(a);
  const prod = tf.matMul(a, b);
  const [pv, gv] = await Promise.all([prod.data(), g.data()]);
  tf.dispose([a, b, g, prod]);
  const want = [19, 22, 43, 50];
  const wantG = [11, 15, 11, 15];
  for (let i = 0; i < 4; i++) {
    if (Math.abs(pv[i] - want[i]) > 1e-4) return `matMul gave ${Array.from(pv)}`;
    if (Math.abs(gv[i] - wantG[i]) > 1e-4) return `matMul gradient gave ${Array.from(gv)}`;
  }
  return undefined;
}

/**
 * Initialises a backend (once per process unless `force`). Installs the fast gradient kernels (see
 * model/gradients.ts) whatever the backend. Prints the backend in use unless `quiet`.
 */
export async function initBackend(
  name: string | undefined = process.env.BEACONS_BACKEND,
  opts: { quiet?: boolean; force?: boolean } = {},
): Promise<BackendInfo> {
  const requested = parseName(name);
  if (current !== undefined && !opts.force && (requested === 'auto' || requested === current.requested)) {
    return current;
  }
  quietCpuBanner();
  // BEACONS_SLOW_GRADIENTS=1 keeps tfjs's own matMul gradient (for the before/after benchmark only)
  if (process.env.BEACONS_SLOW_GRADIENTS !== '1') installFastGradients();
  installLeanBackprop(); // the same backward pass, freeing each node's tensors once it has run (BEACONS_LEAN_MEMORY=0: tfjs's)
  const skipped: string[] = [];
  const order: Exclude<BackendName, 'auto'>[] =
    requested === 'auto' ? ['tensorflow', 'webgpu', 'wasm', 'cpu'] : [requested];
  for (const candidate of order) {
    const problem = await activate(candidate, requested);
    if (problem === undefined) {
      current = { name: tf.getBackend(), requested, skipped };
      if (!opts.quiet) {
        const why = skipped.length > 0 ? ` (skipped: ${skipped.join('; ')})` : '';
        console.error(`[beacons] tfjs backend: ${current.name}${why}`);
      }
      return current;
    }
    skipped.push(problem);
  }
  throw new Error(`No usable tfjs backend for '${requested}': ${skipped.join('; ')}`);
}

/**
 * tfjs's cpu backend prints a banner ("install our node backend…") on its first write in Node; it is written to even
 * when another backend is active. The advice does not apply here (see README, GPU), so mark it as already shown.
 */
function quietCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}

/** The backend chosen by initBackend, if any. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}
