/**
 * `beacons probe [--model name|dir] [--no-write] [--spaces-only]`: runs a base model's probes (src/probes/probes.ts)
 * against the corpus it was pretrained on (pretrain/shipped.ts modelCorpusConfig), prints a summary and writes MODEL_CARD.md
 * and probes.json into the model directory (atomically). `--spaces-only` runs only the semantic-space probes
 * (space-probes.ts), prints them as JSON and (unless --no-write) sets the `spaces` field of the existing probes.json,
 * keeping its other fields, and re-renders MODEL_CARD.md. `--table` rewrites data/models/MODELS.md (models-table.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../model/load';
import { buildCorpus } from '../pretrain/corpus';
import { modelCorpusConfig, resolveModelDir, SHIPPED_MODEL_NAMES } from '../pretrain/shipped';
import { SPACE_TARGETS, writeModelCard } from '../probes/model-card';
import { writeModelsTable } from '../probes/models-table';
import { kindedAnswers, PROBE_DEFAULTS, type Probes, runProbes } from '../probes/probes';
import { spaceProbes } from '../probes/space-probes';
import { parseCommand } from './options';

export const SPEC = {
  name: 'probe',
  summary:
    "Runs a base model's knowledge and embedding-structure probes; writes MODEL_CARD.md and probes.json.",
  options: {
    model: {
      type: 'string',
      arg: 'name|dir',
      default: 'beacon-base',
      help: `a shipped model (${SHIPPED_MODEL_NAMES.join(', ')}) or a model directory`,
    },
    'no-write': { type: 'boolean', help: 'print the summary only' },
    'spaces-only': {
      type: 'boolean',
      help: 'only the semantic-space probes: printed as JSON, added to the existing probes.json and card',
    },
    table: {
      type: 'boolean',
      help: 'only (re)write data/models/MODELS.md, the shipped models side by side, from their probes.json',
    },
  },
} as const;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommand(SPEC, argv);
  if (values.table) {
    console.log(`Wrote ${writeModelsTable()}`);
    return;
  }
  const dir = resolveModelDir(values.model);
  const t0 = Date.now();
  const { model, tokenizer } = loadModel(dir);
  const corpusConfig = modelCorpusConfig(dir);
  try {
    if (values['spaces-only']) {
      const records = buildCorpus(corpusConfig).records;
      const sp = await spaceProbes(
        model,
        tokenizer,
        records,
        kindedAnswers(tokenizer, records),
        PROBE_DEFAULTS,
      );
      console.log(JSON.stringify({ model: path.basename(dir), targets: SPACE_TARGETS, ...sp }, null, 2));
      if (!values['no-write']) {
        const file = path.join(dir, 'probes.json');
        if (!fs.existsSync(file)) throw new Error(`${file} does not exist: run the full probe first`);
        const { options, spaces: _old, ...rest } = JSON.parse(fs.readFileSync(file, 'utf8')) as Probes;
        const out = writeModelCard(dir, { ...rest, spaces: sp, options }, model.numParameters());
        console.error(`Wrote ${out.card} and ${out.json} (spaces only)`);
      }
      return;
    }
    const p = await runProbes(model, tokenizer, { corpus: corpusConfig });
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const k = p.knowledge.counterfact;
    const s = p.structure;
    const lines = [
      `knowledge: COUNTERFACT ${k.known}/${k.total} = ${pct(k.share)} [${pct(k.ci.lo)}, ${pct(k.ci.hi)}]` +
        ` (experiment records ${pct(p.knowledge.experimentRecords.share)}, world facts ${pct(p.knowledge.worldFacts.share)})`,
      `paraphrases (${p.paraphraseKnowledge.heldOut ? 'held out' : 'trained'}): COUNTERFACT ${pct(p.paraphraseKnowledge.counterfact.share)}, world facts ${pct(p.paraphraseKnowledge.worldFacts.share)}`,
      `structure: same-kind cos ${s.sameKindMean.toFixed(3)} vs cross-kind ${s.crossKindMean.toFixed(3)}, difference ` +
        `${s.difference.estimate.toFixed(3)} [${s.difference.lo.toFixed(3)}, ${s.difference.hi.toFixed(3)}]; NN purity ${pct(s.nnPurity.estimate)} vs chance ${pct(s.chancePurity)}`,
      `region: r = ${p.region.pearson.r.toFixed(3)}, Spearman ${p.region.spearman.r.toFixed(3)}, Mantel p = ${p.region.mantelP.toPrecision(2)} (${p.region.pairs} pairs)`,
      `vocabulary: ${p.vocabulary.targetInVocab}/${p.vocabulary.records} targets in vocabulary; pool ${p.pool?.known ?? '?'} known records`,
    ];
    for (const [space, x] of Object.entries(p.spaces?.spaces ?? {})) {
      lines.push(
        `${space} (${x.protocol}): same − cross cos ${x.structure.difference.estimate.toFixed(3)}, NN purity ` +
          `${pct(x.structure.nnPurity.estimate)} (chance ${pct(x.structure.chancePurity)}), ρ(distance, margin) ` +
          `${x.rhoMargin.r.toFixed(3)}, ρ(distance, target rank) ${x.rhoRank.r.toFixed(3)}`,
      );
    }
    if (p.corpus.matchesTokenizer !== true) {
      lines.push(
        `WARNING: the tokenizer does not match the model's pretraining corpus (${p.corpus.matchesTokenizer})`,
      );
    }
    console.log(lines.join('\n'));
    if (!values['no-write']) {
      const out = writeModelCard(dir, p, model.numParameters());
      console.log(`Wrote ${out.card} and ${out.json} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    model.dispose();
  }
}
