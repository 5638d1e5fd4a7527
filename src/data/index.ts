/** The knowledge data layer: record type, loaders, validation, world facts, answer kinds. */
export { DEFAULT_COUNTERFACT_PATH, loadCounterfact, parseCounterfact } from './counterfact';
export { answerKind, type RecordAnswerKind, recordAnswerKind, vocabularyKind } from './kinds';
export { DATA_DIR, DEFAULT_ZSRE_PATH } from './paths';
export {
  detectFormat,
  type KnowledgeRecord,
  loadRecords,
  type PromptAnswer,
  type RecordFormat,
  type RecordSource,
} from './records';
export { DataError, type DataErrorKind, type LoadOptions, templateOf } from './validate';
export * from './worldfacts';
export { loadZsre, NQ_PREFIX, parseZsre, stripNqPrefix } from './zsre';
