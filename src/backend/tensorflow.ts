/**
 * The 'tensorflow' loader: `@tensorflow/tfjs-node-gpu` (CUDA) or `@tensorflow/tfjs-node` (CPU), installed only by
 * `npm run setup:cuda` (see README.md). The error names what failed (not installed vs. installed but libtensorflow/CUDA did not load).
 */
const PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
export async function tensorflowLoader(): Promise<boolean> {
  const problems: string[] = [];
  for (const pkg of PACKAGES) {
    try {
      if (isProjectShim(pkg)) continue; // shims/tfjs-node (for danfojs) re-exports tfjs: no native backend
      require(pkg);
      return true;
    } catch (e) {
      const err = e as { code?: string; message: string };
      const missing = err.code === 'MODULE_NOT_FOUND' && err.message.includes(`'${pkg}'`);
      if (!missing) problems.push(`${pkg} failed to load: ${err.message.split('\n')[0]}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return false; // not installed (index.ts says so); `npm run setup:cuda` installs it where libtensorflow downloads
}

/** The project's stand-in for @tensorflow/tfjs-node (shims/tfjs-node, private) is not the native binding. */
function isProjectShim(pkg: string): boolean {
  try {
    return (require(`${pkg}/package.json`) as { private?: boolean }).private === true;
  } catch {
    return false;
  }
}
