/** Environment switches set for the length of one call. */

/**
 * Runs `fn` with `process.env[name]` set to `value` (undefined: unset), then puts the variable back as it was, also
 * when fn throws. For the BEACONS_* switches that are read at each use (benchmarks' A/B runs, tests).
 */
export async function withEnv<T>(
  name: string,
  value: string | undefined,
  fn: () => T | Promise<T>,
): Promise<T> {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}
