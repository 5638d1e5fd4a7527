/**
 * Content fingerprints of input files (model weights, tokenizer, config, data) for the results cache: a run's
 * identity must change when a file's CONTENTS change, even when its path and size do not (weights edited in place).
 *
 * `fileSha256(file)` streams the file through sha256 (64 KiB at a time: a 13 GB checkpoint never sits in memory).
 * The digest is remembered in a small JSON cache keyed by the absolute path and the file's size, inode, mtime and
 * ctime in nanoseconds, so a rerun costs one `stat` per file. Any write to the file changes its ctime (which
 * `touch -d`/`utimes` cannot set back), so an edit in place is always re-hashed. The cache lives in
 * `$BEACONS_CACHE_DIR` or `<project>/.cache/` (`fingerprints.json`); when it cannot be written the hash is simply
 * recomputed next time.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic';
import { shortHash } from './hash';

type Entry = { size: string; ino: string; mtimeNs: string; ctimeNs: string; sha256: string };

const PROJECT_CACHE = path.resolve(fs.realpathSync(__dirname), '../../.cache');

export function fingerprintCacheFile(): string {
  return path.join(process.env.BEACONS_CACHE_DIR || PROJECT_CACHE, 'fingerprints.json');
}

let memo: { file: string; entries: Record<string, Entry> } | undefined;

function cache(): Record<string, Entry> {
  const file = fingerprintCacheFile();
  if (memo?.file !== file) {
    let entries: Record<string, Entry> = {};
    try {
      const v = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (v && typeof v === 'object' && !Array.isArray(v)) entries = v;
    } catch {
      // missing or damaged cache: start empty (it only saves time)
    }
    memo = { file, entries };
  }
  return memo.entries;
}

function stamp(st: fs.BigIntStats): Omit<Entry, 'sha256'> {
  return {
    size: String(st.size),
    ino: String(st.ino),
    mtimeNs: String(st.mtimeNs),
    ctimeNs: String(st.ctimeNs),
  };
}

/** Hex sha256 of a file's contents, streamed; one read per (path, size, inode, mtime, ctime) thanks to the cache. */
export function fileSha256(file: string): string {
  const abs = path.resolve(file);
  const st = fs.statSync(abs, { bigint: true });
  const s = stamp(st);
  const entries = cache();
  const hit = entries[abs];
  if (
    hit &&
    hit.size === s.size &&
    hit.ino === s.ino &&
    hit.mtimeNs === s.mtimeNs &&
    hit.ctimeNs === s.ctimeNs
  )
    return hit.sha256;
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 16);
  const fd = fs.openSync(abs, 'r');
  try {
    for (
      let n = fs.readSync(fd, buf, 0, buf.length, null);
      n > 0;
      n = fs.readSync(fd, buf, 0, buf.length, null)
    )
      hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  const sha256 = hash.digest('hex');
  // a file modified while it was being read gets no cache entry (its next use re-hashes it)
  const after = stamp(fs.statSync(abs, { bigint: true }));
  if (after.mtimeNs === s.mtimeNs && after.ctimeNs === s.ctimeNs && after.size === s.size) {
    entries[abs] = { ...s, sha256 };
    try {
      writeFileAtomic(fingerprintCacheFile(), `${JSON.stringify(entries)}\n`);
    } catch {
      // read-only project or cache folder: the fingerprint is still right, only not remembered
    }
  }
  return sha256;
}

/** Files of a model directory that define the model (not its card, logs or probes). */
export function modelFiles(dir: string): string[] {
  const defining = (f: string) =>
    f === 'config.json' ||
    f === 'tokenizer.json' ||
    f === 'tokenizer_config.json' ||
    f === 'model.safetensors.index.json' ||
    f.endsWith('.safetensors');
  return fs.readdirSync(dir).filter(defining).sort();
}

/** 12 hex digits identifying a model directory by the contents of its defining files (and their names). */
export function modelContentId(dir: string): string {
  return shortHash(modelFiles(dir).map((f) => [f, fileSha256(path.join(dir, f))]));
}

/** 12 hex digits identifying a data file by its contents. */
export function fileContentId(file: string): string {
  return fileSha256(file).slice(0, 12);
}
