/**
 * Operating characteristics of every headline rule at the study's own sample sizes (DESIGN §9): for each rule, data
 * simulated with a planted effect of the paper's size (or the margin, where the paper gives none) and with no effect,
 * at the default and the full-scale n (read from the scale presets), run through the same headline function the
 * SUMMARY uses; the share of draws called reproduces / does not reproduce / inconclusive. A rule that calls a
 * planted effect "does not reproduce" in more than 5 % of draws is wrong (operating.test.ts fails).
 *
 * The per-unit standard deviations of the paired differences are the simulation's assumptions, stated in the table
 * (the spread the committed default results show, rounded up: conservative for power).
 */

import { meanCI, type Rate, wilsonCI } from '../metrics/stats';
import { mulberry32 } from '../util/random';
import { filteringConfig } from './filtering/experiment';
import { bestOfFamily, fromVerdict, type Headline, meanVerdict } from './headline';
import { interferenceConfig } from './interference/experiment';
import { regimesConfig } from './regimes/experiment';
import { existenceHeadline, NEAR_END_MARGIN, nearEndContrast } from './regimes/summary';
import { reweightingConfig } from './reweighting/experiment';

export interface OperatingRow {
  rule: string;
  scale: string;
  /** the sample size in words, e.g. '48 near-end facts vs 230 middle-bin facts, 3 regimes' */
  n: string;
  /** the planted effect in words ('none' for the null) */
  planted: string;
  /** true for a planted effect of the paper's size (the row the 5 % rule applies to) */
  effect: boolean;
  draws: number;
  reproduces: number;
  doesNot: number;
  inconclusive: number;
}

type Rng = () => number;
const gauss = (rnd: Rng) => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
const binom = (rnd: Rng, n: number, p: number) => {
  let k = 0;
  for (let i = 0; i < n; i++) if (rnd() < p) k++;
  return k;
};
const rateOf = (k: number, n: number): Rate => {
  const ci = wilsonCI(k, n);
  return { k, n, rate: k / n, lo: ci.lo, hi: ci.hi };
};
const clip = (x: number) => Math.min(1, Math.max(0, x));

function tally(
  rule: string,
  scale: string,
  n: string,
  planted: string,
  effect: boolean,
  draws: number,
  one: (rnd: Rng) => Headline,
  seed: number,
): OperatingRow {
  const rnd = mulberry32(seed);
  const row = { rule, scale, n, planted, effect, draws, reproduces: 0, doesNot: 0, inconclusive: 0 };
  for (let d = 0; d < draws; d++) {
    const v = one(rnd).verdict;
    if (v === 'reproduces') row.reproduces++;
    else if (v === 'does not reproduce') row.doesNot++;
    else row.inconclusive++;
  }
  return row;
}

/** The sample sizes each rule sees at a scale (from the findings' resolved configs, not typed here). */
export function studySizes(scale: 'toy' | 'full') {
  const r = regimesConfig({ scale });
  const i = interferenceConfig({ scale });
  const f = filteringConfig({ scale });
  const w = reweightingConfig({ scale });
  const fresh = r.facts * r.seeds.length;
  return {
    nearEnd: r.endFacts ?? 0,
    middle: Math.round(0.6 * fresh),
    premiseFacts: r.fullFacts * r.seeds.length,
    featureSets: i.featureSets * i.seeds.length,
    filteringSets: f.sets * f.seeds.length,
    reweightingSets: w.sets * w.seeds.length,
  };
}

/** Finding 1's planted inverted U: the near end this many points below the middle bins (the reviewer's 20–30). */
export const PLANTED_DROP = 0.2;
/** Assumed per-unit SDs of the paired differences (see the module comment). */
export const UNIT_SD = { premise: 0.03, interference: 0.1, filtering: 0.2, reweighting: 0.07 };
/** Finding 2: a planted push-away rate among failed runs (the size of our 5 % description bar). */
export const PLANTED_PUSH = 0.05;

/** Every rule × scale × (planted, none), `draws` draws each (seeded). */
export function operatingCharacteristics(draws = 400, seed = 1): OperatingRow[] {
  const rows: OperatingRow[] = [];
  let k = seed;
  for (const scale of ['toy', 'full'] as const) {
    const z = studySizes(scale);
    const label = scale === 'toy' ? 'default' : 'full';
    // finding 1: middle bins − near end in 3 regimes (middle at 30 / 50 / 70 %), Holm over the regimes
    for (const drop of [PLANTED_DROP, 0]) {
      rows.push(
        tally(
          '1 distance curve, every regime (middle − near end, ±10)',
          label,
          `${z.nearEnd} near-end vs ${z.middle} middle-bin facts, 3 regimes`,
          drop ? `near end ${Math.round(100 * drop)} points below the middle` : 'none',
          drop > 0,
          draws,
          (rnd) =>
            bestOfFamily(
              't',
              [0.3, 0.5, 0.7].map((m, i) =>
                nearEndContrast(
                  rateOf(binom(rnd, z.nearEnd, clip(m - drop)), z.nearEnd),
                  rateOf(binom(rnd, z.middle, m), z.middle),
                  `r${i}`,
                ),
              ),
              NEAR_END_MARGIN,
            ),
          k++,
        ),
      );
    }
    // finding 2: existence among failed runs at three rates
    for (const failed of scale === 'toy' ? [8, 32] : [32, 128]) {
      for (const p of [PLANTED_PUSH, 0]) {
        rows.push(
          tally(
            '2 push-away exists among failed runs',
            label,
            `${failed} failed runs at each of 3 rates`,
            p ? `${Math.round(100 * p)} % of failed runs pushed away` : 'none',
            p > 0,
            draws,
            (rnd) =>
              existenceHeadline(
                't',
                'm',
                [0, 1, 2].map((i) => ({ name: `r${i}`, r: rateOf(binom(rnd, failed, p), failed) })),
              ),
            k++,
          ),
        );
      }
    }
    // the premise: paired full − PEFT accuracy over budgets, margin 5 points
    for (const eff of [0.05, 0]) {
      rows.push(
        tally(
          '0 PEFT below full fine-tuning (±5)',
          label,
          `${z.premiseFacts} paired facts, SD ${UNIT_SD.premise}`,
          eff ? `${Math.round(100 * eff)} points` : 'none',
          eff > 0,
          draws,
          (rnd) => {
            const xs = Array.from({ length: z.premiseFacts }, () => eff + UNIT_SD.premise * gauss(rnd));
            const v = meanVerdict(meanCI(xs), 0.05, undefined, [0.85, 0.85 - eff]);
            return fromVerdict({ finding: 't', measure: 'm', estimate: 0, lo: 0, hi: 0 }, v, '');
          },
          k++,
        ),
      );
    }
    // interference: alone − together per set (t over sets), margin 5 points
    for (const eff of [0.05, 0]) {
      rows.push(
        tally(
          '3 interference, alone − together (±5)',
          label,
          `${z.featureSets} sets, SD ${UNIT_SD.interference}`,
          eff ? `${Math.round(100 * eff)} points` : 'none',
          eff > 0,
          draws,
          (rnd) => {
            const xs = Array.from({ length: z.featureSets }, () => eff + UNIT_SD.interference * gauss(rnd));
            const v = meanVerdict(meanCI(xs), 0.05, undefined, [0.9, 0.9 - eff]);
            return fromVerdict({ finding: 't', measure: 'm', estimate: 0, lo: 0, hi: 0 }, v, '');
          },
          k++,
        ),
      );
    }
    // filtering: the best of 10 shares (effect at 3 of them), Holm, margin 3 points
    for (const eff of [0.05, 0]) {
      rows.push(
        tally(
          '4 filtering, best share (±3, Holm over 10)',
          label,
          `${z.filteringSets} sets per share, SD ${UNIT_SD.filtering}`,
          eff ? `${Math.round(100 * eff)} points at 3 of 10 shares` : 'none',
          eff > 0,
          draws,
          (rnd) =>
            bestOfFamily(
              't',
              Array.from({ length: 10 }, (_, i) => ({
                name: `s${i}`,
                ci: meanCI(
                  Array.from(
                    { length: z.filteringSets },
                    () => (i >= 5 && i < 8 ? eff : 0) + UNIT_SD.filtering * gauss(rnd),
                  ),
                ),
                arms: [0.5, 0.5 + (i >= 5 && i < 8 ? eff : 0)],
              })),
              0.03,
            ),
          k++,
        ),
      );
    }
    // re-weighting: the best of 3 variants (effect in one), Holm, margin 3 points; the paper's +3–5 points
    for (const eff of [0.04, 0]) {
      rows.push(
        tally(
          '5 re-weighting, best variant (±3, Holm over 3)',
          label,
          `${z.reweightingSets} sets, SD ${UNIT_SD.reweighting}`,
          eff ? `${Math.round(100 * eff)} points in one variant` : 'none',
          eff > 0,
          draws,
          (rnd) =>
            bestOfFamily(
              't',
              [0, 1, 2].map((i) => ({
                name: `v${i}`,
                ci: meanCI(
                  Array.from(
                    { length: z.reweightingSets },
                    () => (i === 2 ? eff : 0) + UNIT_SD.reweighting * gauss(rnd),
                  ),
                ),
                arms: [0.47, 0.47 + (i === 2 ? eff : 0)],
              })),
              0.03,
            ),
          k++,
        ),
      );
    }
  }
  return rows;
}

const share = (x: number, n: number) => `${((100 * x) / n).toFixed(1)} %`;

/** The committed table, results/operating-characteristics.md. */
export function operatingMarkdown(rows: readonly OperatingRow[], draws: number, seed: number): string {
  const bad = rows.filter((r) => r.effect && r.doesNot / r.draws > 0.05);
  return [
    '# Operating characteristics of the verdict rules',
    '',
    `Generated by \`beacons operating --draws ${draws} --seed ${seed}\` (src/findings/operating.ts): each rule of the SUMMARY's headlines, run by the same code on data simulated at the study's sample sizes (default and full scale, from the scale presets), with a planted effect of the paper's size (or of the margin, where the paper gives none) and with none; ${draws} seeded draws each. A rule may call a planted effect "does not reproduce" in at most 5 % of draws (DESIGN §9); ${bad.length === 0 ? 'every rule below meets it' : `rules that do not: ${bad.map((r) => `${r.rule} (${r.scale})`).join(', ')}`}. The per-unit SDs are assumptions (the spread of the committed default results, rounded up).`,
    '',
    'The old finding-1 rule ("no peak and Spearman p < 0.05 in every regime") called a planted inverted U peaking at the 30th percentile "does not reproduce" in 70–89 % of draws at n = 384 (an independent review, DESIGN §9): it is now a description, and finding 1 is decided by the middle − near end contrast below.',
    '',
    '| rule | scale | n | planted effect | reproduces | does not reproduce | inconclusive |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.rule} | ${r.scale} | ${r.n} | ${r.planted} | ${share(r.reproduces, r.draws)} | ${share(r.doesNot, r.draws)} | ${share(r.inconclusive, r.draws)} |`,
    ),
    '',
  ].join('\n');
}
