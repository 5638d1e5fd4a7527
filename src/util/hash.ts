/**
 * Canonical JSON and short content hashes: the identity of an experiment run (README, Design) is the hash of its
 * full config, so two configs that differ only in key order or in `undefined`-valued fields hash the same,
 * and anything JSON cannot represent faithfully (NaN, functions, Maps, typed arrays, cycles) is an error
 * naming the offending path instead of being silently turned into `null` or `{}`.
 */
import { createHash } from 'node:crypto';

export class CanonicalJsonError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'CanonicalJsonError';
    this.path = path;
  }
}

/**
 * JSON with object keys sorted (by UTF-16 code units) at every level and no whitespace.
 * `undefined` object fields are dropped (as `JSON.stringify` does); `toJSON()` is honoured (Dates);
 * `-0` becomes `0`. Throws `CanonicalJsonError` for non-finite numbers, bigint, functions, symbols,
 * `undefined` in arrays or at the top level, non-plain objects (Map, Set, typed arrays, class instances
 * without `toJSON`) and cycles.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value, '$', new Set()));
}

function normalize(v: unknown, path: string, stack: Set<object>): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new CanonicalJsonError(path, `${v} cannot be represented in JSON`);
    return v === 0 ? 0 : v;
  }
  if (typeof v !== 'object') throw new CanonicalJsonError(path, `${typeof v} cannot be represented in JSON`);
  const withToJson = v as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return normalize(withToJson.toJSON(), path, stack);
  if (stack.has(v)) throw new CanonicalJsonError(path, 'circular reference');
  stack.add(v);
  try {
    if (Array.isArray(v)) {
      return v.map((x, i) => {
        if (x === undefined) throw new CanonicalJsonError(`${path}[${i}]`, 'undefined in an array');
        return normalize(x, `${path}[${i}]`, stack);
      });
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (v as object).constructor?.name ?? 'non-plain object';
      throw new CanonicalJsonError(
        path,
        `a ${kind} cannot be represented in JSON (use a plain object or array)`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[key];
      if (x === undefined) continue;
      out[key] = normalize(x, `${path}.${key}`, stack);
    }
    return out;
  } finally {
    stack.delete(v);
  }
}

/** Hex sha256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The first `length` hex digits (default 12, i.e. 48 bits) of sha256(canonicalJson(value)). */
export function shortHash(value: unknown, length = 12): string {
  if (!Number.isInteger(length) || length < 4 || length > 64) {
    throw new RangeError(`shortHash: length must be an integer in [4, 64], got ${length}`);
  }
  return sha256Hex(canonicalJson(value)).slice(0, length);
}

/**
 * Where two JSON values first differ (keys in sorted order), as `at $.a.b: stored X, this run has Y`
 * (`stored` is `a`); '' when canonically equal.
 */
export function jsonDiff(a: unknown, b: unknown, at = '$'): string {
  if (canonicalJson(a) === canonicalJson(b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const [ra, rb] = [a as Record<string, unknown>, b as Record<string, unknown>];
    for (const k of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort()) {
      const d = jsonDiff(ra[k], rb[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `at ${at}: stored ${JSON.stringify(a) ?? 'nothing'}, this run has ${JSON.stringify(b) ?? 'nothing'}`;
}
