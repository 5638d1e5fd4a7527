/**
 * LlamaModel ⇄ model directory (config.json, *.safetensors, tokenizer.json): the bridge between the file formats
 * (checkpoint.ts) and the tfjs model (llama.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModelDir, type SaveOptions, saveModelDir } from './checkpoint';
import type { ModelConfig } from './config';
import { LlamaModel, type RawTensor } from './llama';
import type { Tokenizer } from './tokenizer';

export interface LoadedModel {
  model: LlamaModel;
  tokenizer: Tokenizer;
  config: ModelConfig;
  dir: string;
}

/** The shipped base model. */
export const BEACON_BASE_DIR = path.resolve(fs.realpathSync(__dirname), '../../data/models/beacon-base');

/** Loads a model directory; tensors are streamed one at a time into tfjs variables. */
export function loadModel(dir: string = BEACON_BASE_DIR): LoadedModel {
  const md = loadModelDir(dir);
  if (md.tokenizer === undefined) throw new Error(`${dir}: tokenizer.json is required`);
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of md.tensors()) tensors.set(name, { shape: [...t.shape], data: t.data });
  return { model: new LlamaModel(md.config, tensors), tokenizer: md.tokenizer, config: md.config, dir };
}

/** Saves a model directory atomically. */
export async function saveModel(
  dir: string,
  model: LlamaModel,
  tokenizer: Tokenizer,
  opts: SaveOptions = {},
): Promise<void> {
  saveModelDir(dir, model.config, await model.toTensors(), tokenizer, opts);
}
