/**
 * The public API is chosen by hand (src/index.ts, grouped with header comments): it stays short enough to read in
 * one sitting. This counts every name src/index.ts exports, values and types alike, with the TypeScript checker.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ts from 'typescript';

const INDEX = path.resolve(__dirname, '../src/index.ts');

test('src/index.ts exports at most 80 names, the finding objects among them', () => {
  const program = ts.createProgram([INDEX], { strict: true, esModuleInterop: true, noEmit: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!;
  const names = checker.getExportsOfModule(module).map((s) => s.name);
  assert.ok(
    names.length <= 80,
    `${names.length} names exported by src/index.ts (at most 80): ${names.join(', ')}`,
  );
  for (const f of [
    'regimes',
    'distance',
    'drift',
    'interference',
    'filtering',
    'reweighting',
    'wrap',
    'train',
  ])
    assert.ok(names.includes(f), `src/index.ts exports ${f}`);
});
