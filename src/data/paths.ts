/** Default locations of the shipped datasets, resolved from this file (not from the working directory). */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository's root folder, resolved from this file's real location. */
export const REPO_DIR = path.resolve(fs.realpathSync(__dirname), '../..');
/** The repository's data folder (`<repo>/data`). */
export const DATA_DIR = path.join(REPO_DIR, 'data');
/** COUNTERFACT, EasyEdit's flattened 10,000-record split. */
export const DEFAULT_COUNTERFACT_PATH = path.join(DATA_DIR, 'counterfact', 'counterfact-edit.json');
/** ZsRE as prepared for MEND, first 1,000 training records (2 have an empty target: load with onInvalid 'skip'). */
export const DEFAULT_ZSRE_PATH = path.join(DATA_DIR, 'zsre', 'zsre_mend_train-1k.json');
