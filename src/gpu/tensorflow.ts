/**
 * The 'tensorflow' loader: `@tensorflow/tfjs-node-gpu` (CUDA) or `@tensorflow/tfjs-node` (CPU), installed only by
 * `npm run setup:cuda` (see README.md). Same order as backend.ts's built-in loader, but the error names what
 * failed (not installed vs. installed but libtensorflow/CUDA did not load).
 *
 * It also marks the `auto` probe: backend.ts's auto order is tensorflow → webgpu, and it does not tell loaders
 * whether they were asked for by name, so the webgpu loader treats "the tensorflow loader ran in this same tick"
 * as "auto is probing" (then only a hardware WebGPU adapter counts).
 */
import { registerBackendLoader } from '../backend';

const PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
let probing = false;

/** True while an `auto` probe that started with the tensorflow loader is still in the same macrotask. */
export function autoProbeActive(): boolean {
  return probing;
}

export async function tensorflowLoader(): Promise<boolean> {
  probing = true;
  setImmediate(() => {
    probing = false;
  });
  const problems: string[] = [];
  for (const pkg of PACKAGES) {
    try {
      require(pkg);
      return true;
    } catch (e) {
      const err = e as { code?: string; message: string };
      const missing = err.code === 'MODULE_NOT_FOUND' && err.message.includes(`'${pkg}'`);
      if (!missing) problems.push(`${pkg} failed to load: ${err.message.split('\n')[0]}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return false; // not installed (backend.ts says so); `npm run setup:cuda` installs it where libtensorflow downloads
}

registerBackendLoader('tensorflow', tensorflowLoader);
