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
