/**
 * The library's public entry point, chosen by hand: what is exported here is the API (the README and the notebooks
 * import only from this file; everything else is internal and may move). Grouped bottom to top as the layers
 * (docs/design.md): backends, model, PEFT, training, evaluation, knowledge, results cache, findings, presentation.
 */

import { staleBuild } from './util/build-check';

{
  const stale = staleBuild(__filename);
  if (stale) console.warn(`[beacons] warning: ${stale}`);
}

// ---- Backends: pick and start the tfjs backend (auto | tensorflow | webgpu | wasm | cpu)
export { type BackendName, backendInfo, initBackend } from './backend';
// one finding across the shipped models and set rates, and findings 3–5 per accuracy regime (cached runs only)
export { findingAcross } from './findings/across/across';
export { findingByRegime, findingRegimeFigure } from './findings/across/set-accuracy-regimes';
// ---- Findings: each finding is one object (config(o), figures(s), reading(s), section(cfg, s), tables(s), …)
export type { Finding, FindingOptions } from './findings/finding';
export {
  type ConfigOf,
  distanceFinding as distance,
  driftFinding as drift,
  EXPERIMENTS,
  type FindingKey,
  filteringFinding as filtering,
  interferenceFinding as interference,
  regimesFinding as regimes,
  reweightingFinding as reweighting,
} from './findings/index';
// the regime study priced in wall-clock time (notebook 01)
export { wallClockMarkdown, wallClockPremise } from './findings/regimes/wall-clock';
// ---- Notebooks: the run cell (computed or read from the cache) and what-if runs
export {
  caseRows,
  runOrLoad,
  type WhatIfPlans,
  type WhatIfRun,
  whatIf,
  whatIfCaseTables,
  whatIfFigures,
  whatIfPlan,
  whatIfTable,
} from './findings/run-or-load';
// ---- Knowledge: the facts a model knows, sessions, the learning engine, presets
export { type CommonOptions, sample } from './knowledge/config';
export { DEFAULT_PROTOCOL_NAME, FACT_PROTOCOLS, type Fact, type PromptFormat } from './knowledge/facts';
export { learnFactSets, learnSingleFacts } from './knowledge/learn';
export { getScale, METHODS } from './knowledge/scales';
export { loadSession, type Session } from './knowledge/session';
// ---- Evaluation: scoring, generation, semantic-distance protocols, statistics
export { greedy, teacherForced } from './metrics/evaluate';
export { DISTANCE_PROTOCOLS, protocolName } from './metrics/semantic';
export * as stats from './metrics/stats';
export type { LlamaModel } from './model/llama';
// ---- Model: LLaMA-style decoder, HF model directories, tokenizers
export { BEACON_BASE_DIR, type LoadedModel, loadModel, saveModel } from './model/load';
export type { Tokenizer } from './model/tokenizer';
// ---- PEFT: the method table and wrap(model, config); LoRA adapters in Hugging Face peft's format
export {
  loadLoraAdapter,
  type MethodSpec,
  PEFT_METHODS,
  type PeftConfig,
  type PeftHandle,
  saveLoraAdapter,
  wrap,
} from './peft/index';
// ---- Results cache: the generic runner (results/<experiment>/<hash>/)
export type { Experiment } from './runner/experiment';
export { loadSummary, runExperiment } from './runner/runner';
// ---- Training: the trainer (AdamW, per-adapter clipping and early stop)
export { type TrainConfig, train } from './train/trainer';
export { type DataFrame, danfojs, showDataFrame, toDataFrame } from './viz/dataframe';
// ---- Presentation: plotly figures, tables, data frames
export { showFigure } from './viz/display';
export { barCI, type FigureSpec, lineCI, overlay, scatter } from './viz/figures';
export { showMarkdown } from './viz/markdown';
export { selector } from './viz/panels';
export {
  groupMeans,
  STEPS_TO_LEARN_CAPTION,
  showTable,
  showTables,
  stepsToLearnByGroup,
} from './viz/tables';
