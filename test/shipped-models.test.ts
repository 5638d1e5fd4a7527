/**
 * Every shipped model (src/pretrain/shipped.ts SHIPPED_MODELS) loads, has the embeddings its recipe asks for, a
 * tokenizer trained on exactly its recipe's corpus, and knows a FIXED sample of its COUNTERFACT facts (greedy
 * answer; cheap: a few dozen facts a model). The larger model is ≥ 2.5× beacon-base's parameters. A model whose
 * directory lacks model.safetensors is skipped with the command that rebuilds it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../src/backend';
import { countParams } from '../src/model/config';
import { type LoadedModel, loadModel } from '../src/model/load';
import { WordTokenizer } from '../src/model/tokenizer';
import { buildCorpus, type Corpus } from '../src/pretrain/corpus';
import { MODELS_DIR, SHIPPED_MODELS, shippedModel, shippedPretrainConfig } from '../src/pretrain/shipped';
import { greedyKnowledge } from '../src/probes/knowledge-probe';
import { type ModelRow, readModelRow, renderModelsTable } from '../src/probes/models-table';
import { pretrainingSubset } from '../src/probes/probes';
import { permutation } from '../src/util/random';

const SAMPLE = 40;
const SAMPLE_SEED = 20240531;
/** At least this share of the sample; the probes' aim for the whole set is 95 % (90 % for beacon-base). */
const SAMPLE_AIM = 0.85;

const present = (dir: string) => fs.existsSync(path.join(dir, 'model.safetensors'));

for (const shipped of SHIPPED_MODELS) {
  const skip = present(shipped.dir)
    ? false
    : `no checkpoint at ${shipped.dir} (npx tsx src/cli.ts pretrain --model ${shipped.name})`;
  describe(`shipped model ${shipped.name}`, { skip }, () => {
    let loaded: LoadedModel;
    let corpus: Corpus;
    const recipe = shippedPretrainConfig(shipped.name);

    before(async () => {
      await initBackend(process.env.BEACONS_BACKEND ?? 'wasm', { quiet: true });
      loaded = loadModel(shipped.dir);
      corpus = buildCorpus(recipe.corpus);
    });
    after(() => loaded?.model.dispose());

    test('config and tokenizer match its recipe', () => {
      const c = loaded.model.config;
      assert.equal(c.tie_word_embeddings, recipe.tie_word_embeddings);
      assert.equal(c.hidden_size, recipe.hidden_size);
      assert.equal(c.num_hidden_layers, recipe.num_hidden_layers);
      assert.equal(loaded.model.params.has('lm_head.weight'), !recipe.tie_word_embeddings);
      assert.ok(loaded.tokenizer instanceof WordTokenizer);
      assert.deepEqual(WordTokenizer.train(corpus.statements).vocab, loaded.tokenizer.vocab);
    });

    test(`knows ≥ ${SAMPLE_AIM * 100} % of a fixed sample of ${SAMPLE} of its COUNTERFACT facts`, async () => {
      const subset = pretrainingSubset(corpus);
      const items = permutation(subset.length, SAMPLE_SEED)
        .slice(0, SAMPLE)
        .map((i) => ({ prompt: subset[i].prompt, answers: [subset[i].original] }));
      const k = await greedyKnowledge(loaded.model, loaded.tokenizer, items);
      assert.equal(k.total, SAMPLE);
      assert.ok(
        k.share >= SAMPLE_AIM,
        `known ${k.known}/${k.total}; misses e.g. ${JSON.stringify(k.misses.slice(0, 3))}`,
      );
    });
  });
}

test('beacon-large has ≥ 2.5× the parameters of beacon-base', {
  skip: !present(shippedModel('beacon-large').dir),
}, () => {
  const read = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(shippedModel(name).dir, 'config.json'), 'utf8'));
  const base = countParams(read('beacon-base'));
  const large = countParams(read('beacon-large'));
  assert.ok(large >= 2.5 * base, `${large} vs ${base}`);
});

test('data/models/MODELS.md is rendered from the shipped models as they are (beacons probe --table)', () => {
  const file = path.join(MODELS_DIR, 'MODELS.md');
  const rows = SHIPPED_MODELS.map(readModelRow).filter((r): r is ModelRow => r !== undefined);
  assert.equal(
    fs.readFileSync(file, 'utf8'),
    renderModelsTable(rows),
    `${file} is stale: run beacons probe --table`,
  );
});
