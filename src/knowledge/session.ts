/**
 * What every experiment needs, loaded once per process: the model, its tokenizer, and the pool of facts it knows.
 * Keyed by (model directory, data file, prompt format), so notebooks and the CLI share one load.
 *
 * Building a session reads the device (the pool's forward passes), which must be async (`dataSync` throws on the
 * WebGPU backend in Node). So it is split in two: `await loadSession(spec)` (`await prepareSession(cfg)` in
 * common.ts) loads and caches it; the synchronous `getSession(spec)` (`session(cfg)`) returns the cached one —
 * experiments call it from their synchronous `cases`/`summarize` — and throws a clear error when it was never
 * prepared. Each experiment's `prepare` hook is `prepareSession`, which `runExperiment` awaits; other entry points
 * (reproduce's merge, calibrate, direct `cases()` calls, notebooks using the session) prepare it themselves.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadRecords } from '../data/records';
import { DataError } from '../data/validate';
import { validateModelConfig } from '../model/config';
import { BEACON_BASE_DIR, type LoadedModel, loadModel } from '../model/load';
import { estimateMemory, formatBytes, loraParamCount } from '../model/memory';
import { buildCorpus } from '../pretrain/corpus';
import { modelCorpusConfig } from '../pretrain/shipped';
import { readJsonFile } from '../util/atomic';
import { fileContentId, modelContentId } from '../util/fingerprint';
import { inputFileProblem } from '../util/paths';
import { buildPool, type Fact, type PoolInfo, type PromptFormat } from './facts';
import { type LearnContext, makeContext } from './learn';

export interface DataSpec {
  /** model directory (default: the shipped beacon-base) */
  model?: string;
  /** records file (COUNTERFACT or ZsRE schema); default: the COUNTERFACT records of the base model's corpus */
  data?: string;
  /** prompt wrapping for chat checkpoints (default 'plain') */
  promptFormat?: PromptFormat;
}

export interface Session extends LearnContext {
  loaded: LoadedModel;
  pool: Fact[];
  poolInfo: PoolInfo;
}

const sessions = new Map<string, Session>();

/**
 * A stable identity of a model directory for result hashes: the sha256 of the contents of config.json,
 * tokenizer.json and the weight files (not the model card or logs, which change without changing the model);
 * streamed and cached by path + size + mtime (util/fingerprint.ts), so a rerun costs nothing.
 */
export function modelFingerprint(dir: string): string {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    const what = fs.existsSync(dir) ? 'is a file, not a folder' : 'does not exist';
    throw new Error(
      `Model directory ${dir} ${what}: it must hold config.json, model.safetensors (or sharded *.safetensors + model.safetensors.index.json) and tokenizer.json`,
    );
  }
  return modelContentId(dir);
}

/** The identity of a `--data` records file: the sha256 of its contents (cached like the model's). */
export function dataFingerprint(file: string): string {
  // before hashing it: a device (/dev/zero) would be hashed forever
  const problem = inputFileProblem(file);
  if (problem !== undefined) throw new DataError(file, problem, {}, 'file');
  return fileContentId(file);
}

/** Bytes the tfjs backend can hold: wasm has a 4 GiB heap; cpu and tensorflow the machine's memory. */
export function backendMemoryLimit(backend = tf.getBackend()): number | undefined {
  if (backend === 'wasm') return 4 * 1024 ** 3;
  if (backend === 'cpu' || backend === 'tensorflow') return os.totalmem();
  return undefined; // webgpu: the device decides; not known before allocation
}

/**
 * Prints the memory a LoRA run on this model needs (weights, adapter, optimiser, activations for a batch) and
 * refuses, before anything is loaded, when it cannot fit the backend.
 */
export function checkMemory(dir: string, batch = 16, seq = 64): void {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return; // loadModel gives the clear error listing what the directory needs
  const config = validateModelConfig(readJsonFile(file, 'model config'), file);
  const adapterParams = loraParamCount(config, 8, ['q_proj', 'v_proj']) * batch;
  const est = estimateMemory(config, { batch, seq, adapterParams, optimizer: 'adam' });
  const limit = backendMemoryLimit();
  const line = `weights ${formatBytes(est.weights)}, adapters ${formatBytes(est.adapter)}, optimiser ${formatBytes(est.optimizerState)}, activations ${formatBytes(est.activations + est.logits)}: total ${formatBytes(est.total)}`;
  if (est.total > 1024 ** 3) console.error(`[memory] ${dir}: ${line} (backend ${tf.getBackend()})`);
  if (limit !== undefined && est.total > limit) {
    throw new Error(
      `${dir} needs about ${formatBytes(est.total)} for a LoRA run (${line}), more than the ${tf.getBackend()} backend can hold (${formatBytes(limit)}). Use a GPU backend (--backend webgpu or tensorflow) or a smaller model.`,
    );
  }
}

/** Paths, prompt format and the files' contents: a model or data file edited in place gets a new session. */
const sessionKey = (spec: DataSpec) =>
  JSON.stringify([
    spec.model ?? '',
    spec.data ?? '',
    spec.promptFormat ?? 'plain',
    contentId(() => modelContentId(spec.model ?? BEACON_BASE_DIR)),
    spec.data ? contentId(() => fileContentId(spec.data!)) : '',
  ]);

/** A fingerprint, or '' for a missing file (whose load then gives the clear error). */
function contentId(f: () => string): string {
  try {
    return f();
  } catch {
    return '';
  }
}

/** The session prepared for `spec` by `loadSession`; throws when there is none. */
export function getSession(spec: DataSpec = {}): Session {
  const hit = sessions.get(sessionKey(spec));
  if (hit) return hit;
  throw new Error(
    `No session for model ${spec.model ?? BEACON_BASE_DIR}, data ${spec.data ?? '(base corpus)'}, prompt format ${spec.promptFormat ?? 'plain'}: call \`await prepareSession(cfg)\` (knowledge/config.ts) or \`await loadSession(spec)\` before running, merging or summarising an experiment`,
  );
}

const pending = new Map<string, Promise<Session>>();

/** Loads the model and builds the pool once per spec (concurrent calls share one load); later calls return it. */
export function loadSession(spec: DataSpec = {}): Promise<Session> {
  const key = sessionKey(spec);
  const hit = sessions.get(key);
  if (hit) return Promise.resolve(hit);
  let p = pending.get(key);
  if (p === undefined) {
    p = buildSession(spec).finally(() => pending.delete(key));
    pending.set(key, p);
  }
  return p;
}

/**
 * The usable records of a data file; unusable ones (a target equal to the answer, an empty target, …) are dropped
 * with ONE warning giving their count and the first reason, and a file with none left is an error saying so.
 */
function loadUsableRecords(file: string) {
  const dropped: DataError[] = [];
  const records = loadRecords(file, 'auto', { onInvalid: 'skip', onSkip: (e) => dropped.push(e) });
  const total = records.length + dropped.length;
  const first = dropped[0]?.message.slice(file.length + 2); // without the file name: `record 3 (id …), field …: …`
  if (records.length === 0 && dropped.length > 0)
    throw new DataError(
      file,
      `all ${total} records are unusable and were dropped; the first: ${first}`,
      {},
      'file',
    );
  if (dropped.length > 0)
    console.error(
      `[data] warning: dropped ${dropped.length} of ${total} records of ${file} as unusable; the first: ${first}`,
    );
  return records;
}

async function buildSession(spec: DataSpec): Promise<Session> {
  const key = sessionKey(spec);
  checkMemory(spec.model ?? BEACON_BASE_DIR);
  // records first: a bad data file fails before the model is loaded
  // without --data: the COUNTERFACT records of the corpus this model was pretrained on (pretrain/shipped.ts)
  const records = spec.data
    ? loadUsableRecords(spec.data)
    : buildCorpus(modelCorpusConfig(spec.model ?? BEACON_BASE_DIR)).records;
  const loaded = loadModel(spec.model);
  try {
    const { facts, info } = await buildPool(
      loaded.model,
      loaded.tokenizer,
      records,
      Number.POSITIVE_INFINITY,
      spec.promptFormat,
    );
    if (facts.length === 0)
      throw new Error(
        `No usable facts: the model ${loaded.dir} knows none of the ${records.length} records of ${spec.data ?? 'its own corpus'}`,
      );
    const s: Session = {
      ...(await makeContext(loaded.model, loaded.tokenizer)),
      loaded,
      pool: facts,
      poolInfo: info,
    };
    sessions.set(key, s);
    return s;
  } catch (e) {
    loaded.model.dispose(); // nothing half-loaded stays on the backend
    throw e;
  }
}
