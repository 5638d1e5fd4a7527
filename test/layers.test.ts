/**
 * Layers only point down. Every source file under src/ belongs to one layer (by the path → layer table below, longest
 * prefix wins); an import may point to the same layer or a lower one, never up, and the import graph of src/ has no
 * cycle (type-only imports included: a cycle of types is still a cycle of modules a reader must hold in mind).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve(__dirname, '../src');

/** Bottom to top (README.md, "Design"). */
export const LAYERS = ['core', 'eval', 'knowledge', 'runner', 'viz', 'findings', 'app'] as const;
type Layer = (typeof LAYERS)[number];

/** Path (relative to src/, a folder or a file) → layer; the longest matching prefix decides. */
export const LAYER_OF_PATH: Record<string, Layer> = {
  'util/': 'core',
  'model/': 'core',
  'peft/': 'core',
  'train/': 'core',
  'data/': 'core',
  'pretrain/corpus.ts': 'core',
  'backend.ts': 'core',
  'kernels/': 'core',
  'gpu/': 'core',
  'metrics/': 'eval',
  'knowledge/': 'knowledge',
  'pretrain/': 'knowledge',
  'runner/': 'runner',
  'viz/': 'viz',
  'findings/': 'findings',
  'report/': 'app',
  'commands/': 'app',
  'bench/': 'app',
  'gpu/bench.ts': 'app',
  'gpu/parity-worker.ts': 'app',
  'cli.ts': 'app',
  'index.ts': 'app',
};

export function layerOf(rel: string): Layer {
  const key = Object.keys(LAYER_OF_PATH)
    .filter((p) => rel === p || (p.endsWith('/') && rel.startsWith(p)))
    .sort((a, b) => b.length - a.length)[0];
  if (key === undefined)
    throw new Error(`src/${rel} has no layer: add it to LAYER_OF_PATH in test/layers.test.ts`);
  return LAYER_OF_PATH[key];
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
  assert.equal(layerOf('pretrain/corpus.ts'), 'core');
  assert.equal(layerOf('pretrain/probes.ts'), 'knowledge');
  assert.equal(layerOf('gpu/bench.ts'), 'app');
  assert.throws(() => layerOf('nowhere/x.ts'), /has no layer/);
});
