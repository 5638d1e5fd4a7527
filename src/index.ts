/**
 * The library's public entry point: what is exported here is the API (the README and the notebooks import only
 * from this file; everything else is internal and may move). Layers, bottom to top: docs/design.md.
 */

import { staleBuild } from './util/build-check';

{
  const stale = staleBuild(__filename);
  if (stale) console.warn(`[beacons] warning: ${stale}`);
}

// backend
export { type BackendInfo, type BackendName, backendInfo, initBackend } from './backend';
// report: one finding across the shipped models and set rates, and findings 3–5 per accuracy regime (cached runs)
export { findingAcross } from './findings/across/across';
export {
  findingByRegime,
  findingRegimeFigure,
  setAccuracyRegimesExtra,
} from './findings/across/set-accuracy-regimes';
export { type Headline, headlineMarkdown } from './findings/headline';
// findings: the table, each finding module, and the notebooks' run cell
export * from './findings/index';
export {
  applyChanges,
  type ConfigChanges,
  caseRows,
  describeChanges,
  type RunOrLoadOptions,
  type RunOrLoadResult,
  runOrLoad,
  type WhatIfOptions,
  type WhatIfPlan,
  type WhatIfPlans,
  type WhatIfRun,
  whatIf,
  whatIfCaseTables,
  whatIfFigures,
  whatIfPlan,
  whatIfTable,
} from './findings/run-or-load';
export type { CommonConfig, CommonOptions } from './knowledge/config';
export { sample } from './knowledge/config';
export { resolveMethodSpec, resolveTrainer, type TrainerSettings } from './knowledge/defaults';
// knowledge: facts, the learning engine, sessions, scale presets
export {
  DEFAULT_PROTOCOL_NAME,
  FACT_PROTOCOLS,
  type Fact,
  formatPrompt,
  type PromptFormat,
} from './knowledge/facts';
export { learnFactSets, learnSingleFacts, type MethodSpec } from './knowledge/learn';
export { getScale, METHODS, SCALES, type Scale, type ScaleName } from './knowledge/scales';
export { type DataSpec, loadSession, type Session } from './knowledge/session';
// eval: scoring, generation, semantic distance, statistics
export { greedy, promptFeatureRows, type Score, type ScoredItem, teacherForced } from './metrics/evaluate';
export { DISTANCE_PROTOCOLS, type DistanceProtocol, parseProtocol, protocolName } from './metrics/semantic';
export * as stats from './metrics/stats';
export type { LlamaModel } from './model/llama';
// core: model, PEFT, training
export { BEACON_BASE_DIR, type LoadedModel, loadModel, saveModel } from './model/load';
export type { Tokenizer } from './model/tokenizer';
export { loadLoraAdapter, type PeftConfig, type PeftHandle, saveLoraAdapter, wrap } from './peft/index';
// runner: the results cache
export type { Experiment, SummaryFile } from './runner/experiment';
export { loadSummary, runExperiment, runHash } from './runner/runner';
export { type TrainConfig, type TrainResult, train } from './train/trainer';
// presentation
export { type DataFrame, danfojs, fromDataFrame, showDataFrame, toDataFrame } from './viz/dataframe';
export { showFigure } from './viz/display';
export { barCI, type FigureSpec, lineCI, overlay, pcaScatter, scatter } from './viz/figures';
export { markdownish, showMarkdown } from './viz/markdown';
export { type Panel, selector, smallMultiples } from './viz/panels';
export {
  groupMeans,
  STEPS_TO_LEARN_CAPTION,
  showTable,
  showTables,
  stepsToLearnByGroup,
} from './viz/tables';
