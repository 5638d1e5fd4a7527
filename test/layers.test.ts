/**
 * Layers only point down, and the folders show them. Every folder of src/ sits in ONE layer (the folder → layer table
 * below, one row per folder, no file exceptions; the files at the root of src/, cli.ts and index.ts, are the app);
 * an import may point to the same layer or a lower one, never up; the folders' import graph has no cycle (within a
 * layer too: the folders of one layer can be read bottom to top); and the file import graph of src/ has no cycle
 * (type-only imports included: a cycle of types is still a cycle of modules a reader must hold in mind).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve(__dirname, '../src');

/** Bottom to top (docs/design.md, "Layers"). */
export const LAYERS = ['core', 'eval', 'knowledge', 'probes', 'runner', 'viz', 'findings', 'app'] as const;
type Layer = (typeof LAYERS)[number];

/** The root of src/ (cli.ts, index.ts) as a row of the table. */
const ROOT = '.';

/** Folder of src/ → layer: one row per folder. */
export const LAYER_OF_FOLDER: Record<string, Layer> = {
  'util/': 'core',
  'model/': 'core',
  'backend/': 'core',
  'kernels/': 'core',
  'peft/': 'core',
  'train/': 'core',
  'data/': 'core',
  'pretrain/': 'core',
  'metrics/': 'eval',
  'knowledge/': 'knowledge',
  'probes/': 'probes',
  'runner/': 'runner',
  'viz/': 'viz',
  'findings/': 'findings',
  'report/': 'app',
  'commands/': 'app',
  'bench/': 'app',
  [ROOT]: 'app',
};

/** The top folder of a path relative to src/ ('findings/regimes/summary.ts' → 'findings/', 'cli.ts' → '.'). */
export function folderOf(rel: string): string {
  const i = rel.indexOf('/');
  return i < 0 ? ROOT : rel.slice(0, i + 1);
}

export function layerOf(rel: string): Layer {
  const layer = LAYER_OF_FOLDER[folderOf(rel)];
  if (layer === undefined)
    throw new Error(`src/${rel} has no layer: add its folder to LAYER_OF_FOLDER in test/layers.test.ts`);
  return layer;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') &&
      !e.name.endsWith('.test.ts') &&
      e.name !== 'testutil.ts' &&
      e.name !== 'testing.ts'
      ? [p]
      : [];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Relative imports of a file, resolved to files under src/ (relative paths). */
export function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const hit = [`${base}.ts`, path.join(base, 'index.ts'), base].find(
      (c) => fs.existsSync(c) && fs.statSync(c).isFile(),
    );
    if (hit === undefined) throw new Error(`${path.relative(SRC, file)}: cannot resolve '${m[1]}'`);
    if (hit.startsWith(SRC + path.sep)) out.push(path.relative(SRC, hit));
  }
  return out;
}

function graph(): Map<string, string[]> {
  return new Map(sourceFiles(SRC).map((f) => [path.relative(SRC, f), importsOf(f)]));
}

/** The folders' import graph: folder → the other folders its files import. */
export function folderGraph(g: Map<string, string[]>): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const [file, deps] of g) {
    const from = folderOf(file);
    if (!out.has(from)) out.set(from, new Set());
    for (const d of deps) if (folderOf(d) !== from) out.get(from)!.add(folderOf(d));
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

/** Strongly connected components with more than one file (or a file importing itself): the import cycles. */
export function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test('every import under src/ points to the same layer or a lower one', () => {
  const rank = (l: Layer) => LAYERS.indexOf(l);
  const up: string[] = [];
  for (const [file, deps] of graph()) {
    for (const d of deps) {
      if (rank(layerOf(d)) > rank(layerOf(file)))
        up.push(`${file} (${layerOf(file)}) imports ${d} (${layerOf(d)})`);
    }
  }
  assert.deepEqual(up, [], `imports that point up:\n${up.join('\n')}`);
});

test('the runner knows nothing of models: runner/ imports only runner/ and util/', () => {
  const wrong = [...graph()]
    .filter(([file]) => file.startsWith('runner/'))
    .flatMap(([file, deps]) =>
      deps
        .filter((d) => !d.startsWith('runner/') && !d.startsWith('util/'))
        .map((d) => `${file} imports ${d}`),
    );
  assert.deepEqual(wrong, []);
});

test('every folder of src/ has one row in the layer table, and every row is a folder', () => {
  const folders = [
    ROOT,
    ...fs
      .readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${e.name}/`),
  ].sort();
  assert.deepEqual(Object.keys(LAYER_OF_FOLDER).sort(), folders);
});

test('the folders of src/ import one another without a cycle', () => {
  const found = cycles(folderGraph(graph()));
  assert.deepEqual(found, [], `folder cycles:\n${found.map((c) => c.join(' ↔ ')).join('\n')}`);
});

test('the import graph of src/ has no cycle', () => {
  const found = cycles(graph());
  assert.deepEqual(found, [], `import cycles:\n${found.map((c) => c.join(' ↔ ')).join('\n')}`);
});

test('the checks see a violation when there is one', () => {
  assert.deepEqual(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]),
    ),
    [['a', 'b', 'c']],
  );
  assert.deepEqual(
    cycles(
      folderGraph(
        new Map([
          ['a/x.ts', ['b/y.ts']],
          ['b/y.ts', ['b/z.ts']],
          ['b/z.ts', ['a/w.ts']],
          ['a/w.ts', []],
        ]),
      ),
    ),
    [['a/', 'b/']],
    'files without a cycle, folders with one',
  );
  assert.equal(layerOf('pretrain/corpus.ts'), 'core');
  assert.equal(layerOf('probes/probes.ts'), 'probes');
  assert.equal(layerOf('findings/regimes/summary.ts'), 'findings');
  assert.equal(layerOf('cli.ts'), 'app');
  assert.throws(() => layerOf('nowhere/x.ts'), /has no layer/);
});
