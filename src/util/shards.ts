/**
 * Which shards of a `--shard i/n` sweep are missing, for `merge`'s error: case k belongs to shard `shardOf(k, n)`
 * (the run's batch layout: runner.ts `caseShards`).
 */
import * as fs from 'node:fs';

/**
 * One line: `<name>: 12 of 52 cases missing (first "a|0|x"); shard 1/2 has no result file, shard 0/2 lacks 2 cases`.
 * The shard counts are those of the shard files in `out.dir` (none: the line names the cases only).
 */
export function describeMissing(
  name: string,
  out: { dir: string; total: number; missing: string[] },
  cases: { id: string }[],
  shardOf: (k: number, n: number) => number,
): string {
  const missing = new Set(out.missing);
  const head = `${name}: ${out.missing.length} of ${out.total} cases missing (first ${JSON.stringify(out.missing[0])}) in ${out.dir}`;
  const files = fs.existsSync(out.dir) ? fs.readdirSync(out.dir) : [];
  const counts = new Set<number>();
  for (const f of files) {
    const m = /^cases\.shard-\d+-of-(\d+)\.jsonl$/.exec(f);
    if (m) counts.add(Number(m[1]));
  }
  const parts: string[] = [];
  for (const n of [...counts].sort((a, b) => a - b)) {
    const lacking = new Map<number, number>();
    cases.forEach((c, k) => {
      if (missing.has(c.id)) lacking.set(shardOf(k, n), (lacking.get(shardOf(k, n)) ?? 0) + 1);
    });
    for (const [i, k] of [...lacking].sort((a, b) => a[0] - b[0])) {
      const file = `cases.shard-${i}-of-${n}.jsonl`;
      parts.push(
        files.includes(file) ? `shard ${i}/${n} lacks ${k} cases` : `shard ${i}/${n} has no result file`,
      );
    }
  }
  return parts.length > 0 ? `${head}; ${parts.join(', ')}` : head;
}
