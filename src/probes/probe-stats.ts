/**
 * The statistics behind the base model's semantic-structure probes, on plain vectors (no model), so they can be
 * tested on hand-made embeddings. All in float64 on the host; deterministic for a seed.
 *
 * `kindStructure(vectors, kinds)` — do answers of the same kind (languages, cities, …) lie closer together?
 * - Every answer a is an anchor: s_a = mean cosine to the OTHER answers of its kind, c_a = mean cosine to the
 *   answers of other kinds (all pairs, no sampling), d_a = s_a − c_a.
 * - sameKindMean = mean_a s_a, crossKindMean = mean_a c_a, difference = mean_a d_a with a percentile-bootstrap CI
 *   over anchors (pairs share anchors, so resampling pairs would overstate the precision).
 * - nearest-neighbour purity: share of anchors whose most similar other answer has the same kind (Wilson CI);
 *   chance = Σ_k n_k (n_k − 1) / (N (N − 1)), the purity of a neighbour drawn at random.
 * - per kind: the same numbers restricted to anchors of that kind.
 *
 * `pairLabelCorrelation(vectors, labels)` — does the cosine of two items track sharing a label (two countries
 * in the same region)? Over all unordered pairs: Pearson (point-biserial) and Spearman correlation between the
 * pair's cosine and the 0/1 same-label indicator. Their t-test p-values treat the N(N − 1)/2 pairs as independent,
 * which they are not (each item is in N − 1 pairs), so the reported test is a Mantel permutation test: labels
 * are shuffled among items `permutations` times; p = (1 + #{r_perm ≥ r}) / (1 + permutations), one-sided.
 */
import {
  bootstrapCI,
  type Correlation,
  type Interval,
  mean,
  pearson,
  spearman,
  wilsonCI,
} from '../metrics/stats';
import { deriveSeed, permutation } from '../util/random';

/** Cosine-similarity matrix (float64, row-major N×N) of the vectors; a zero vector gives NaN. */
export function cosineMatrix(vectors: readonly ArrayLike<number>[]): Float64Array {
  const n = vectors.length;
  const unit = vectors.map((v) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * v[i];
    const r = Math.sqrt(s);
    return Float64Array.from(v, (x) => x / r);
  });
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) {
      const u = unit[i];
      const w = unit[j];
      let s = 0;
      for (let k = 0; k < u.length; k++) s += u[k] * w[k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

export interface KindRow {
  kind: string;
  answers: number;
  sameKindMean: number;
  crossKindMean: number;
  difference: number;
  nnPurity: number;
}

export interface KindStructure {
  answers: number;
  kinds: number;
  sameKindMean: number;
  crossKindMean: number;
  /** mean over anchors of (same-kind mean cos − cross-kind mean cos), bootstrap CI over anchors */
  difference: Interval;
  sameKindPairs: number;
  crossKindPairs: number;
  nnPurity: Interval;
  chancePurity: number;
  perKind: KindRow[];
}

export interface StructureOptions {
  iterations?: number;
  level?: number;
  seed?: number;
}

/** See the module comment. Every kind needs at least 2 answers and there must be at least 2 kinds. */
export function kindStructure(
  vectors: readonly ArrayLike<number>[],
  kinds: readonly string[],
  opts: StructureOptions = {},
): KindStructure {
  const { iterations = 2000, level = 0.95, seed = 0 } = opts;
  const n = vectors.length;
  if (kinds.length !== n) throw new RangeError(`kindStructure: ${n} vectors but ${kinds.length} kinds`);
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  if (counts.size < 2) throw new RangeError(`kindStructure: need at least 2 kinds, got ${counts.size}`);
  for (const [k, c] of counts) {
    if (c < 2)
      throw new RangeError(`kindStructure: kind '${k}' has ${c} answer; every kind needs at least 2`);
  }
  const cos = cosineMatrix(vectors);
  const s = new Array<number>(n);
  const c = new Array<number>(n);
  const nnSame = new Array<boolean>(n);
  for (let a = 0; a < n; a++) {
    let same = 0;
    let cross = 0;
    let best = -Infinity;
    let bestIdx = -1;
    for (let b = 0; b < n; b++) {
      if (b === a) continue;
      const x = cos[a * n + b];
      if (kinds[b] === kinds[a]) same += x;
      else cross += x;
      if (x > best) {
        best = x;
        bestIdx = b;
      }
    }
    s[a] = same / (counts.get(kinds[a])! - 1);
    c[a] = cross / (n - counts.get(kinds[a])!);
    nnSame[a] = bestIdx >= 0 && kinds[bestIdx] === kinds[a];
  }
  const d = s.map((x, i) => x - c[i]);
  let sameKindPairs = 0;
  let chance = 0;
  for (const k of counts.values()) {
    sameKindPairs += (k * (k - 1)) / 2;
    chance += (k * (k - 1)) / (n * (n - 1));
  }
  const perKind = [...counts.keys()].sort().map((kind): KindRow => {
    const idx = kinds.flatMap((k, i) => (k === kind ? [i] : []));
    const ms = mean(idx.map((i) => s[i]));
    const mc = mean(idx.map((i) => c[i]));
    return {
      kind,
      answers: idx.length,
      sameKindMean: ms,
      crossKindMean: mc,
      difference: ms - mc,
      nnPurity: idx.filter((i) => nnSame[i]).length / idx.length,
    };
  });
  return {
    answers: n,
    kinds: counts.size,
    sameKindMean: mean(s),
    crossKindMean: mean(c),
    difference: bootstrapCI(d, mean, { iterations, level, seed }),
    sameKindPairs,
    crossKindPairs: (n * (n - 1)) / 2 - sameKindPairs,
    nnPurity: wilsonCI(nnSame.filter(Boolean).length, n, level),
    chancePurity: chance,
    perKind,
  };
}

export interface PairLabelCorrelation {
  items: number;
  pairs: number;
  sameLabelPairs: number;
  sameLabelMeanCos: number;
  differentLabelMeanCos: number;
  /** point-biserial r of (cosine, same-label indicator); p assumes independent pairs (see mantelP) */
  pearson: Correlation;
  spearman: Correlation;
  /** one-sided Mantel permutation p-value of the Pearson r */
  mantelP: number;
  permutations: number;
}

/** See the module comment. */
export function pairLabelCorrelation(
  vectors: readonly ArrayLike<number>[],
  labels: readonly string[],
  opts: { permutations?: number; seed?: number } = {},
): PairLabelCorrelation {
  const { permutations = 999, seed = 0 } = opts;
  const n = vectors.length;
  if (labels.length !== n)
    throw new RangeError(`pairLabelCorrelation: ${n} vectors but ${labels.length} labels`);
  if (n < 3) throw new RangeError(`pairLabelCorrelation: need at least 3 items, got ${n}`);
  const cos = cosineMatrix(vectors);
  const xs: number[] = [];
  const pairI: number[] = [];
  const pairJ: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      xs.push(cos[i * n + j]);
      pairI.push(i);
      pairJ.push(j);
    }
  }
  const indicator = (lab: readonly string[]) => pairI.map((i, p) => (lab[i] === lab[pairJ[p]] ? 1 : 0));
  const y = indicator(labels);
  const r = pearson(xs, y);
  // Mantel: Pearson r for shuffled labels; the sums over pairs give r without re-checking inputs
  const mx = mean(xs);
  let sxx = 0;
  for (const x of xs) sxx += (x - mx) ** 2;
  const fastR = (ind: number[]) => {
    const my = mean(ind);
    let sxy = 0;
    let syy = 0;
    for (let p = 0; p < xs.length; p++) {
      sxy += (xs[p] - mx) * (ind[p] - my);
      syy += (ind[p] - my) ** 2;
    }
    return syy === 0 || sxx === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
  };
  let atLeast = 0;
  for (let b = 0; b < permutations; b++) {
    const perm = permutation(n, deriveSeed(seed, `mantel-${b}`));
    const rp = fastR(indicator(perm.map((k) => labels[k])));
    if (rp >= r.r - 1e-12) atLeast++;
  }
  const same = xs.filter((_, p) => y[p] === 1);
  const diff = xs.filter((_, p) => y[p] === 0);
  return {
    items: n,
    pairs: xs.length,
    sameLabelPairs: same.length,
    sameLabelMeanCos: mean(same),
    differentLabelMeanCos: mean(diff),
    pearson: r,
    spearman: spearman(xs, y),
    mantelP: (1 + atLeast) / (1 + permutations),
    permutations,
  };
}
