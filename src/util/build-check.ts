/**
 * The notebooks import the compiled library (build/index.js with its .d.ts files: tslab then reads declarations
 * instead of type-checking every source file, which made the import cell take 15–20 s). A build older than the
 * sources would run old code silently, so loading it from build/ compares the newest source file with the build
 * and says so, naming the command that rebuilds it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Newest modification time (ms) of the .ts files under `dir`, 0 when there are none. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
      newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * When `entry` (the compiled index.js) lies in build/ beside src/, the names of source files newer than it;
 * `undefined` when running from the sources (tsx, tslab on src/) or without a src/ beside the build.
 */
export function staleBuild(entry: string): string | undefined {
  if (!entry.endsWith('.js')) return undefined;
  const src = path.resolve(path.dirname(entry), '..', 'src');
  if (!fs.existsSync(src)) return undefined;
  const built = fs.statSync(entry).mtimeMs;
  return newestSource(src) > built
    ? `the compiled library (${path.dirname(entry)}) is older than src/: run 'npm run build' and restart the kernel`
    : undefined;
}

/**
 * How a child Node process runs one of the project's TypeScript files (worker processes, the benchmark's workers):
 * its compiled twin in build/ when there is one and the build is not older than src/ (no tsx transform at start:
 * about 0.7 s less per process on a 2-core machine), else the source through tsx. Files outside src/, and every
 * file when BEACONS_FROM_SOURCE=1, run through tsx.
 */
export function nodeArgsFor(script: string, src = path.resolve(__dirname, '..')): string[] {
  const rel = path.relative(src, path.resolve(script));
  if (
    path.basename(src) === 'src' &&
    process.env.BEACONS_FROM_SOURCE !== '1' &&
    rel.endsWith('.ts') &&
    !rel.startsWith('..') &&
    !path.isAbsolute(rel)
  ) {
    const build = path.join(path.dirname(src), 'build');
    const twin = path.join(build, rel.replace(/\.ts$/, '.js'));
    const index = path.join(build, 'index.js');
    if (fs.existsSync(twin) && fs.existsSync(index) && staleBuild(index) === undefined) return [twin];
  }
  return ['--import', 'tsx', script];
}
