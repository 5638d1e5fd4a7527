/**
 * `beacons probe [--model dir] [--no-write]`: runs the base model's probes (src/pretrain/probes.ts), prints a summary
 * and writes MODEL_CARD.md and probes.json into the model directory (atomically).
 */
import * as path from 'node:path';
import { BEACON_BASE_DIR, loadModel } from '../model/load';
import { writeModelCard } from '../pretrain/model-card';
import { runProbes } from '../pretrain/probes';
import { parseCommand } from './options';

export const SPEC = {
  name: 'probe',
  summary:
    "Runs the base model's knowledge and embedding-structure probes; writes MODEL_CARD.md and probes.json.",
  options: {
    model: { type: 'string', arg: 'dir', default: BEACON_BASE_DIR, help: 'model directory' },
    'no-write': { type: 'boolean', help: 'print the summary only' },
  },
} as const;

export async function run(argv: string[]): Promise<void> {
  const values = parseCommand(SPEC, argv);
  const dir = path.resolve(values.model);
  const t0 = Date.now();
  const { model, tokenizer } = loadModel(dir);
  try {
    const p = await runProbes(model, tokenizer);
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
    if (p.corpus.matchesTokenizer !== true) {
      lines.push(
        `WARNING: the tokenizer does not match the default pretraining corpus (${p.corpus.matchesTokenizer})`,
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
