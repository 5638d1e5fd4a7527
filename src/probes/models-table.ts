/**
 * data/models/MODELS.md: the shipped models side by side, rendered from each directory's config.json, probes.json
 * and pretrain-log.json (nothing is re-measured): size, knowledge, pool, and per semantic space the kind structure
 * and the Spearman correlation of target distance with the base logit margin, with the study's targets.
 * `beacons probe --table` writes it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SemanticSpace } from '../metrics/semantic';
import { countParams, type ModelConfig } from '../model/config';
import { MODELS_DIR, SHIPPED_MODELS, type ShippedModel } from '../pretrain/shipped';
import { writeFileAtomic } from '../util/atomic';
import { SPACE_TARGETS } from './model-card';
import type { Probes } from './probes';

export interface ModelRow {
  name: string;
  description: string;
  config: ModelConfig;
  parameters: number;
  probes?: Probes;
  seconds?: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);

/** Reads a shipped model's files; undefined when its checkpoint is absent. */
export function readModelRow(m: ShippedModel): ModelRow | undefined {
  const cfgFile = path.join(m.dir, 'config.json');
  if (!fs.existsSync(cfgFile)) return undefined;
  const config = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as ModelConfig;
  const read = <T>(f: string): T | undefined =>
    fs.existsSync(path.join(m.dir, f))
      ? (JSON.parse(fs.readFileSync(path.join(m.dir, f), 'utf8')) as T)
      : undefined;
  return {
    name: m.name,
    description: m.description,
    config,
    parameters: countParams(config),
    probes: read<Probes>('probes.json'),
    seconds: read<{ seconds: number }>('pretrain-log.json')?.seconds,
  };
}

const SPACES: [SemanticSpace, string][] = [
  ['input-embedding', 'input emb.'],
  ['output-embedding', 'output emb.'],
  ['hidden-state', 'hidden h2'],
];

export function renderModelsTable(rows: readonly ModelRow[]): string {
  const L: string[] = ['# Shipped models', ''];
  L.push(
    "Rendered by `beacons probe --table` (src/probes/models-table.ts) from each model directory's probes.json, " +
      "config.json and pretrain-log.json; each model's MODEL_CARD.md has the details. Knowledge: greedy answer = " +
      'the true answer on the COUNTERFACT records of its corpus. Pool: the experiment records it knows. Per semantic ' +
      'space: same-kind minus cross-kind mean cosine of answers, nearest-neighbour kind purity (chance in brackets), ' +
      'and Spearman ρ between the target distance d(original, target) and the base logit margin ' +
      'logit(original) − logit(target) on the pool facts.',
    '',
  );
  L.push(
    '| model | embeddings | size | parameters | pretraining | knowledge | pool |',
    '|---|---|---|---:|---:|---:|---:|',
  );
  for (const r of rows) {
    const c = r.config;
    const k = r.probes?.knowledge.counterfact;
    L.push(
      `| ${r.name} | ${c.tie_word_embeddings ? 'tied' : 'untied'} | d ${c.hidden_size} × ${c.num_hidden_layers} layers, vocabulary ${c.vocab_size} | ` +
        `${(r.parameters / 1e6).toFixed(2)} M | ${r.seconds !== undefined ? `${(r.seconds / 60).toFixed(0)} min` : '?'} | ` +
        `${k ? `${k.known} / ${k.total} = ${pct(k.share)}` : 'not probed'} | ${r.probes?.pool?.known ?? '?'} |`,
    );
  }
  L.push('');
  L.push(
    `| model | ${SPACES.map(([, s]) => `${s}: same − cross | ${s}: NN purity | ${s}: ρ(d, margin)`).join(' | ')} |`,
    `|---|${SPACES.map(() => '---:|---:|---:').join('|')}|`,
  );
  for (const r of rows) {
    const sp = r.probes?.spaces;
    if (!sp) {
      L.push(`| ${r.name} | ${SPACES.map(() => '– | – | –').join(' | ')} |`);
      continue;
    }
    const cells = SPACES.map(([s]) => {
      const x = sp.spaces[s];
      return `${f3(x.structure.difference.estimate)} | ${pct(x.structure.nnPurity.estimate)} (${pct(x.structure.chancePurity)}) | ${f2(x.rhoMargin.r)}`;
    });
    L.push(`| ${r.name} | ${cells.join(' | ')} |`);
  }
  L.push('');
  const t = SPACE_TARGETS;
  L.push(
    `Targets for the study's models: knowledge ≥ ${pct(t.knowledge)}, input-embedding NN kind purity ≥ ${pct(t.inputPurity)}, ` +
      `|ρ(input-embedding distance, margin)| ≤ ${t.inputRhoMargin}.`,
    '',
    '| model | knowledge | input NN purity | abs ρ(input distance, margin) |',
    '|---|---|---|---|',
  );
  for (const r of rows) {
    const p = r.probes;
    const input = p?.spaces?.spaces['input-embedding'];
    if (!p || !input) {
      L.push(`| ${r.name} | not probed | | |`);
      continue;
    }
    const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const k = p.knowledge.counterfact.share;
    const purity = input.structure.nnPurity.estimate;
    const rho = Math.abs(input.rhoMargin.r);
    L.push(
      `| ${r.name} | ${pct(k)} ${mark(k >= t.knowledge)} | ${pct(purity)} ${mark(purity >= t.inputPurity)} | ` +
        `${f2(rho)} ${mark(rho <= t.inputRhoMargin)} |`,
    );
  }
  const notes = rows.flatMap((r) => {
    const note = SHIPPED_MODELS.find((m) => m.name === r.name)?.targetsNote;
    return note ? [`- ${r.name}: ${note}.`] : [];
  });
  if (notes.length) L.push('', ...notes);
  L.push('');
  return `${L.join('\n')}\n`;
}

/** Writes data/models/MODELS.md from the shipped models present; returns its path. */
export function writeModelsTable(dir: string = MODELS_DIR): string {
  const rows = SHIPPED_MODELS.map(readModelRow).filter((r): r is ModelRow => r !== undefined);
  const file = path.join(dir, 'MODELS.md');
  writeFileAtomic(file, renderModelsTable(rows));
  return file;
}
