/**
 * What every experiment needs, loaded once per process: the model, its tokenizer, and the pool of facts it knows.
 * Keyed by (model directory, data file), so notebooks and the CLI share one load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRecords } from '../data/records';
import { type LoadedModel, loadModel } from '../model/load';
import { buildCorpus } from '../pretrain/corpus';
import { shortHash } from '../util/hash';
import { buildPool, type Fact, type PoolInfo } from './facts';
import { type LearnContext, makeContext } from './learn';

export interface DataSpec {
  /** model directory (default: the shipped beacon-base) */
  model?: string;
  /** records file (COUNTERFACT or ZsRE schema); default: the COUNTERFACT records of the base model's corpus */
  data?: string;
}

export interface Session extends LearnContext {
  loaded: LoadedModel;
  pool: Fact[];
  poolInfo: PoolInfo;
}

const sessions = new Map<string, Session>();

/** A stable identity of a model directory (its config and weight file sizes) for result hashes. */
export function modelFingerprint(dir: string): string {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') || f.endsWith('.safetensors'))
    .sort();
  return shortHash(
    files.map((f) => [
      f,
      f.endsWith('.json') ? fs.readFileSync(path.join(dir, f), 'utf8') : fs.statSync(path.join(dir, f)).size,
    ]),
  );
}

export function getSession(spec: DataSpec = {}): Session {
  const key = JSON.stringify([spec.model ?? '', spec.data ?? '']);
  const hit = sessions.get(key);
  if (hit) return hit;
  const loaded = loadModel(spec.model);
  const records = spec.data ? loadRecords(spec.data, 'auto', { onInvalid: 'skip' }) : buildCorpus().records;
  const { facts, info } = buildPool(loaded.model, loaded.tokenizer, records);
  if (facts.length === 0)
    throw new Error(`No usable facts: the model knows none of the ${records.length} records`);
  const s: Session = { ...makeContext(loaded.model, loaded.tokenizer), loaded, pool: facts, poolInfo: info };
  sessions.set(key, s);
  return s;
}
