/**
 * The study on every shipped model (`reproduce --models all`): a table "verdict per finding × model" for
 * results/SUMMARY.md and a figure of each finding's headline effect with its interval across the models — whether
 * a verdict moves with the model (tied or untied embeddings, size) is the first question a reviewer asks of a
 * small-model reproduction. beacon-base's results live in the results folder, each other model's in
 * <results>/models/<name>/.
 */
import * as path from 'node:path';
import { verdictLabel } from '../../metrics/verdict';
import { DEFAULT_MODEL_NAME, resolveModelDir, SHIPPED_MODELS } from '../../pretrain/shipped';
import { barCI } from '../../viz/figures';
import type { AnyFinding, ExtraSection, FindingOptions } from '../finding';
import { pts } from '../format';
import type { Headline } from '../headline';

/** Where `reproduce --models` puts a shipped model's results. */
export function modelResultsDir(resultsDir: string, name: string): string {
  return name === DEFAULT_MODEL_NAME ? resultsDir : path.join(resultsDir, 'models', name);
}

export interface ModelHeadlines {
  name: string;
  description: string;
  headlines: Headline[];
}

/** Each shipped model's headlines from its cached summaries (models with no finished finding are left out). */
export function collectModelHeadlines(
  findings: readonly AnyFinding[],
  options: FindingOptions,
  resultsDir: string,
): ModelHeadlines[] {
  return SHIPPED_MODELS.map((m) => {
    const o = { ...options, model: path.relative(process.cwd(), resolveModelDir(m.name)) || '.' };
    const dir = modelResultsDir(resultsDir, m.name);
    const headlines = findings.flatMap((f) => f.report(o, dir)?.headlines ?? []);
    return { name: m.name, description: m.description, headlines };
  }).filter((m) => m.headlines.length > 0);
}

/**
 * One bar group per column (a model, a regime): each row's headline effect in points with its 95 % interval (a row
 * the column has no headline for is left empty).
 */
export function headlineBars(
  columns: readonly { name: string; headlines: readonly Headline[] }[],
  rows: readonly string[],
  labels: Parameters<typeof barCI>[1],
  opts: Parameters<typeof barCI>[2] = {},
): ReturnType<typeof barCI> {
  return barCI(
    columns.map((c) => {
      const hs = rows.map((r) => c.headlines.find((x) => x.finding === r));
      return {
        name: c.name,
        categories: [...rows],
        mean: hs.map((h) => (h ? 100 * h.estimate : Number.NaN)),
        lo: hs.map((h) => (h ? 100 * h.lo : Number.NaN)),
        hi: hs.map((h) => (h ? 100 * h.hi : Number.NaN)),
      };
    }),
    labels,
    opts,
  );
}

/** One cell of a verdict table: the row's three-way verdict and its number with interval (points), or '—'. */
export function verdictCell(headlines: readonly Headline[], row: string): string {
  const h = headlines.find((x) => x.finding === row);
  return h ? `**${verdictLabel(h)}** ${pts(h.estimate)} [${pts(h.lo)}, ${pts(h.hi)}]` : '—';
}

/** A verdict table's markdown lines: a row per finding (first-seen order), a column per run (model, rate, …). */
export function verdictTable(
  first: string,
  columns: readonly { name: string; headlines: readonly Headline[] }[],
): string[] {
  const rows = [...new Set(columns.flatMap((c) => c.headlines.map((h) => h.finding)))];
  return [
    `| ${first} | ${columns.map((c) => c.name).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r} | ${columns.map((c) => verdictCell(c.headlines, r)).join(' | ')} |`),
  ];
}

/**
 * How a row's three-way verdict stands across the models that have it: `same` (one verdict on every model, all
 * models have the row), `moves` (two models disagree; a model without the row is no disagreement; inconclusive for
 * different reasons is no disagreement either) or undefined (neither), with the models grouped by verdict in
 * first-seen order.
 */
export function acrossModels(
  models: readonly ModelHeadlines[],
  row: string,
): { kind: 'same' | 'moves'; byVerdict: [string, string[]][] } | undefined {
  const byVerdict = new Map<string, string[]>();
  for (const m of models) {
    const h = m.headlines.find((x) => x.finding === row);
    if (h === undefined) continue;
    byVerdict.set(h.verdict, [...(byVerdict.get(h.verdict) ?? []), m.name]);
  }
  const groups = [...byVerdict.entries()];
  if (groups.length > 1) return { kind: 'moves', byVerdict: groups };
  const all = groups.length === 1 && groups[0][1].length === models.length;
  return all ? { kind: 'same', byVerdict: groups } : undefined;
}

/** The SUMMARY.md section and the figure, or undefined when fewer than two models have results. */
export function modelsReport(models: ModelHeadlines[]): ExtraSection | undefined {
  if (models.length < 2) return undefined;
  const rows = [...new Set(models.flatMap((m) => m.headlines.map((h) => h.finding)))];
  const table = verdictTable('finding · method', models);
  const across = rows.map((r) => ({ row: r, a: acrossModels(models, r) }));
  const same = across.filter((x) => x.a?.kind === 'same');
  const moved = across.filter((x) => x.a?.kind === 'moves');
  // the same three-way verdict on every model, by verdict; then each row that moves, with who gives which
  const stableLines = (['reproduces', 'does not reproduce', 'inconclusive'] as const)
    .map((v) => [v, same.filter((x) => x.a?.byVerdict[0][0] === v).map((x) => x.row)] as const)
    .filter(([, rs]) => rs.length > 0)
    .map(([v, rs]) => `- ${v} on every model: ${rs.join('; ')}.`);
  const movedLines = moved.map(
    (x) => `- ${x.row}: ${x.a?.byVerdict.map(([v, ms]) => `${v} on ${ms.join(', ')}`).join('; ')}.`,
  );
  const missing = rows.filter((r) => models.some((m) => !m.headlines.some((x) => x.finding === r)));
  const reasons = models.flatMap((m) =>
    m.headlines.map((h) => `- ${m.name}, ${h.finding} (${h.measure}): ${h.reason}.`),
  );
  const section = [
    '## Verdict per finding × model',
    `The same experiments, rules and scale on each shipped model, each with its own learning rates (calibrated by the same procedure to ≈ 50 % single-fact accuracy): ${models.map((m) => `**${m.name}** (${m.description})`).join('; ')}. Each cell: the three-way verdict, the headline number in points (rates in %) and its 95 % interval. Rules (one verdict engine, metrics/verdict.ts: room, power and degenerate data; families in the multiplicity table): the premise (0), full fine-tuning − PEFT accuracy averaged over step budgets, paired by fact (equivalence margin 5 points; both arms within 5 points of 100 % is a ceiling); finding 1, the pre-registered contrast middle bins − near end (the oversampled near end in every regime, Holm over the regimes; the nearest bin at the calibration point), equivalence margin 10 points, the peak test and Spearman's ρ as descriptions; finding 2, existence of push-away among failed runs (lower bound above 0, given enough failed runs to see a 5 % rate) and, for LoRA, the failed runs against a random update of the same norm on the same runs (exact McNemar, paired); finding 3, each fact learned alone vs together (paired; equivalence margin 5 points; at the ceiling the p(target) contrast is reported instead), the variance of distances (the paper's measure) beside the pairwise target spread (ours); findings 4 and 5, the best share / variant with Holm's correction (equivalence margin 3 points; the floor and ceiling rule). "does not reproduce" needs a credible opposite effect or equivalence with MDE ≤ margin; otherwise inconclusive, with its reason (floor, ceiling, no variation, underpowered, or for the premise grid edge: a best rate at the top of the rate grid). Each row's reason, below, states its numbers.`,
    '',
    ...table,
    '',
    ...(stableLines.length > 0 ? ['Stable across the models:', '', ...stableLines, ''] : []),
    ...(moved.length > 0
      ? ['Verdicts that move with the model (they belong to the models that give them):', '', ...movedLines]
      : ['No verdict moves with the model.']),
    ...(missing.length > 0
      ? [
          '',
          `— : no cached run of this finding with the current settings for that model (\`beacons reproduce --models all\` computes it): ${missing.join('; ')}.`,
        ]
      : []),
    '',
    '<details><summary>Why each verdict (the numbers that decided it)</summary>',
    '',
    ...reasons,
    '',
    '</details>',
  ].join('\n');
  const figure = headlineBars(
    models.map((m) => ({ name: m.name, headlines: m.headlines })),
    rows,
    {
      title: 'Headline effect of each finding on each model',
      x: 'finding · method',
      y: 'effect (points)',
      protocol:
        '+ = paper’s direction, 95 % CIs; 1: middle bins − near end (the verdict’s contrast); 2: % of failed runs pushed away (existence)',
    },
    // ~30 rows with long names: a row per finding · method, bars along x
    { horizontal: true },
  );
  return { section, figures: [{ name: 'models', spec: figure }] };
}

/**
 * The verdict-per-model section for the summary of `options` in `resultsDir`, when that is the default model's and at
 * least one other model has results (`reproduce --models`); otherwise nothing.
 */
export function modelsExtra(
  findings: readonly AnyFinding[],
  options: FindingOptions,
  resultsDir: string,
): ExtraSection[] {
  const base = resolveModelDir(DEFAULT_MODEL_NAME);
  if (path.resolve(options.model ?? base) !== base) return [];
  const r = modelsReport(collectModelHeadlines(findings, options, resultsDir));
  return r ? [r] : [];
}
