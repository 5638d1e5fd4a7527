import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  benchText,
  README_BEGIN,
  README_END,
  readAb,
  readBench,
  readmeBlock,
  readProfile,
  readReproduce,
  reproduceLine,
  secondsLine,
  speed,
  updateReadme,
} from './render';

const ROOT = path.resolve(__dirname, '..', '..');
/** the run README's table came from before the bench block was generated (2026-11-26) */
const OLD_RUN = 'results/bench/bench-2026-11-26T13-10-26-684Z.json';

describe('bench → README', () => {
  test("a stored run renders the tables `npm run bench` printed for it (README's earlier, pasted table)", () => {
    const block = readmeBlock({ data: readBench(path.join(ROOT, OLD_RUN)), file: OLD_RUN });
    // these lines were pasted from that run's output into README before the block was generated
    for (const line of [
      'tfjs wasm lora       1.456       703    0.312                      0 → 92 → 0  7.677 → 7.579',
      'torch 2 thr full     0.554      1847        1                                  7.677 → 5.786',
      'tfjs stacked, 2 workers (19.0 s with start-up)    17.5  254/256     2492    14.64',
      '   PyTorch time ÷ ours with workers = 1.07',
    ]) {
      assert.ok(block.includes(line), `missing: ${line}`);
    }
    assert.ok(block.startsWith(README_BEGIN) && block.endsWith(README_END));
  });

  test('updateReadme replaces only the block, and says which file lacks one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacons-readme-'));
    try {
      const readme = path.join(dir, 'README.md');
      fs.writeFileSync(readme, `# x\n\nbefore\n${README_BEGIN}\nold numbers\n${README_END}\nafter\n`);
      updateReadme(readme, path.join(ROOT, OLD_RUN), { before: path.join(ROOT, OLD_RUN) });
      const text = fs.readFileSync(readme, 'utf8');
      assert.ok(text.startsWith('# x\n\nbefore\n<!-- bench:begin'));
      assert.ok(text.endsWith(`${README_END}\nafter\n`));
      assert.ok(!text.includes('old numbers'));
      assert.match(text, /Before → after src\/kernels \(the before run: /);
      fs.writeFileSync(readme, '# no block\n');
      assert.throws(() => updateReadme(readme, path.join(ROOT, OLD_RUN)), /has no '<!-- bench:begin/);
      assert.throws(() => readBench(readme), /cannot read .*README\.md/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a profile renders its tables and the bound its XNNPACK products set (hand-computed)', () => {
    const run = readBench(path.join(ROOT, OLD_RUN)); // PyTorch's LoRA step there: median 0.2 s or so
    const torch = run.kernel?.torch.lora?.median_step_s as number;
    const machine = run.machine;
    const profile = {
      date: '2026-12-06T00:00:00.000Z',
      machine,
      loadAverageAtEnd: 0.1,
      simdMatMul: true,
      profiles: [
        {
          step: 'lora' as const,
          backend: 'wasm',
          wallMs: 900,
          kernelMs: 800,
          rows: [
            { kernel: 'BatchMatMul plain', calls: 70, ms: 400 },
            { kernel: 'Exp', calls: 2, ms: 300 },
            { kernel: '_FusedMatMul plain', calls: 2, ms: 100 },
          ],
        },
      ],
    };
    const block = readmeBlock({ data: run, file: OLD_RUN }, { profile: { data: profile, file: 'p.json' } });
    assert.match(block, /`npx tsx src\/bench\/profile\.ts save`, `p\.json`, with src\/kernels/);
    assert.ok(block.includes('Exp                           2    300.0  37.5%'), block);
    // 400 + 100 ms of 800 ms are XNNPACK's: the ratio is at most torch ÷ 0.5 s
    assert.ok(block.includes('take 500 ms of 800 ms in kernels (63 %)'), block);
    assert.ok(
      block.includes(`at most ${torch.toFixed(3)} s ÷ 0.500 s = ${(torch / 0.5).toFixed(2)} `),
      block,
    );
    assert.throws(() => readProfile(path.join(ROOT, OLD_RUN)), /is not a profile result/);
  });

  test('a reproduce-time result renders as before → after with medians, and says when the case files differ', () => {
    const machine = readBench(path.join(ROOT, OLD_RUN)).machine;
    const run = (kernels: 'tfjs' | 'src/kernels', wallS: number) => ({
      kernels,
      wallS,
      cases: 10,
      casesSha256: 'x',
    });
    const data = {
      date: '2026-12-06T00:00:00.000Z',
      machine,
      loadAverageAtEnd: 0.2,
      args: ['--workers', '2', '--no-figures', '--only', 'filtering'],
      runs: [
        run('tfjs', 300),
        run('src/kernels', 200),
        run('tfjs', 320),
        run('src/kernels', 100),
        run('tfjs', 10),
      ],
      identical: true,
    };
    const line = reproduceLine({ data, file: 'r.json' });
    // medians: tfjs 300 (of 10, 300, 320), src/kernels 150 (of 100, 200)
    assert.match(line, /^`reproduce --workers 2 --no-figures --only filtering` from an empty results folder/);
    assert.match(line, /tfjs's kernels 300 s → src\/kernels 150 s \(2\.00× faster; medians of 3 runs each/);
    assert.match(line, /10 cases, the same case files byte for byte\.$/);
    assert.match(reproduceLine({ data: { ...data, identical: false }, file: 'r.json' }), /DIFFER/);
    const ref = (differ: string[]) =>
      reproduceLine({ data: { ...data, reference: { dir: 'results', files: 6, differ } }, file: 'r.json' });
    assert.match(ref([]), /byte for byte, and the same as the 6 committed under `results\/`\.$/);
    assert.match(ref(['a/b/cases.jsonl']), /; 1 of 6 DIFFER from those committed under `results\/`\.$/);
    const packed = (wallS: number, on: boolean) => ({
      kernels: 'src/kernels' as const,
      packed: on,
      wallS,
      cases: 10,
      casesSha256: 'x',
    });
    const pack = reproduceLine({
      data: {
        ...data,
        switched: 'packing',
        runs: [packed(100, false), packed(80, true), packed(102, false), packed(78, true)],
      },
      file: 'p.json',
    });
    // medians: padded 101 (of 100, 102), packed 79 (of 80, 78)
    assert.match(
      pack,
      /the packed layout alone \(src\/kernels on in both\), padded \(`BEACONS_PACK=0`\) 101 s → packed 79 s \(1\.28× faster; medians of 2 runs each, alternating\)/,
    );
    const sided = (wallS: number, side: 'before' | 'after') => ({
      ...packed(wallS, true),
      packed: undefined,
      side,
    });
    const fused = reproduceLine({
      data: {
        ...data,
        switched: 'adamw',
        runs: [sided(90, 'before'), sided(60, 'after'), sided(30, 'after')],
      },
      file: 'f.json',
    });
    // medians: before 90 (one run), after 45 (of 60, 30)
    assert.match(
      fused,
      /the fused AdamW update \(src\/kernels on in both\), tfjs ops \(`BEACONS_FUSED_ADAMW=0`\) 90 s → fused 45 s \(2\.00× faster\); 10 cases/,
    );
    assert.throws(() => readReproduce(path.join(ROOT, OLD_RUN)), /is not a reproduce-time result/);
  });

  test("the A/B file's packed-layout line, when it has one", () => {
    const run = readBench(path.join(ROOT, OLD_RUN));
    const step = { method: 'lora', offMedianS: 2, onMedianS: 1, speedup: 2, off: [2], on: [1] };
    const ab = { date: run.date, machine: run.machine, loadAverageAtEnd: 0.1, steps: [step] };
    const packing = {
      facts: 128,
      offMedianS: 5.5,
      onMedianS: 5,
      speedup: 1.1,
      off: [5.5, 5.4, 6],
      on: [5, 4.9, 5.2],
    };
    const with_ = readmeBlock(
      { data: run, file: OLD_RUN },
      { ab: { data: { ...ab, packing }, file: 'ab.json' } },
    );
    assert.match(
      with_,
      /stacked training of 128 facts .*: 5\.50 s → 5\.00 s \(1\.10× faster; medians of 3 runs each\)\./,
    );
    const without = readmeBlock({ data: run, file: OLD_RUN }, { ab: { data: ab, file: 'ab.json' } });
    assert.ok(!without.includes('packed layout'));
    // the fused AdamW on its own line with its own variable
    const adamw = { ...packing, offMedianS: 6, onMedianS: 4, speedup: 1.5 };
    const all = readmeBlock(
      { data: run, file: OLD_RUN },
      { ab: { data: { ...ab, packing, adamw }, file: 'ab.json' } },
    );
    assert.match(
      all,
      /The fused AdamW alone, .*`BEACONS_FUSED_ADAMW=0` against on\): 6\.00 s → 4\.00 s \(1\.50× faster/,
    );
    assert.ok(!without.includes('AdamW'));
    // frozen transposes and tensors freed once spent, the latter with its memory
    const transposes = { ...packing, offMedianS: 3, onMedianS: 2, speedup: 1.5 };
    const memory = { ...packing, offMedianS: 4, onMedianS: 4, speedup: 1 };
    const memoryEffect = { peakMBOff: 180.4, peakMBOn: 95.2, firstTouchMsPerMB: 4.567 };
    const newer = readmeBlock(
      { data: run, file: OLD_RUN },
      { ab: { data: { ...ab, transposes, memory, memoryEffect }, file: 'ab.json' } },
    );
    assert.match(
      newer,
      /Frozen weights' transposes made once a run alone, .*`BEACONS_FROZEN_TRANSPOSES=0` against on\): 3\.00 s → 2\.00 s/,
    );
    assert.match(
      newer,
      /Tensors freed once spent alone, .*`BEACONS_LEAN_MEMORY=0` against on\): 4\.00 s → 4\.00 s \(the same speed; medians of 3 runs each\)\. Live tensors at the peak of one 64-fact stack: 180 MB → 95 MB\. .* fresh memory cost 4\.57 ms a MB/,
    );
    assert.ok(!all.includes('Live tensors'));
  });

  test('a speed ratio in words', () => {
    assert.equal(speed(1.89), '1.89× faster');
    assert.equal(speed(1 / 1.25), '1.25× slower');
    assert.equal(speed(0.998), 'the same speed');
    assert.equal(speed(1.004), 'the same speed');
  });

  test('PyTorch on both cores: its row and its ratio against ours with workers (hand-computed)', () => {
    const run = readBench(path.join(ROOT, OLD_RUN));
    const w = run.workload!;
    const torch = w.torch!;
    const cores = { ...torch, processes: 2, seconds: 8.75, secondsEach: [9, 8.75, 8.5] };
    const text = benchText({
      ...run,
      workload: { ...w, torchCores: cores, ratioCores: 8.75 / w.oursWorkers!.seconds },
    });
    assert.ok(text.includes('torch 2 processes × 1 thread (median of 9.0, 8.8, 8.5 s)'), text);
    const expected = (8.75 / w.oursWorkers!.seconds).toFixed(2);
    assert.ok(
      text.includes(`   PyTorch on both cores (2 processes × 1 thread) ÷ ours with workers = ${expected}`),
      text,
    );
    assert.ok(!benchText(run).includes('both cores'), 'an older run has no such line');
  });

  test("including start-up against PyTorch's fastest run (hand-computed)", () => {
    const run = readBench(path.join(ROOT, OLD_RUN));
    const w = run.workload!;
    const torch = { ...w.torch!, seconds: 15, secondsEach: [15, 12, 18] };
    const wall = w.oursWorkers!.wallWithStartup;
    const text = benchText({ ...run, workload: { ...w, torch } });
    assert.ok(
      text.includes(`   … including process start and model loading = ${(15 / wall).toFixed(2)}`),
      text,
    );
    assert.ok(
      text.includes(`   … the same against PyTorch's fastest of its 3 runs = ${(12 / wall).toFixed(2)}`),
      text,
    );
    const one = benchText({ ...run, workload: { ...w, torch: { ...torch, secondsEach: [15] } } });
    assert.ok(!one.includes('fastest'), 'one run: no such line');
  });

  test("before → after: the seconds of both sides, PyTorch's own change included (hand-checked)", () => {
    const before = readBench(path.join(ROOT, 'results/bench/bench-2026-12-06T21-18-29-759Z.json'));
    const after = readBench(path.join(ROOT, 'results/bench/bench-2026-12-06T21-22-19-552Z.json'));
    const line = secondsLine(before, after) ?? '';
    // stored: ours 1.604 → 0.710 s a LoRA step; PyTorch's 256 runs 12.58 → 15.61 s (+24 %)
    assert.match(line, /LoRA step ours 1\.604 → 0\.710 s \(−56 %\)/);
    assert.match(line, /PyTorch 12\.6 → 15\.6 s \(\+24 %\)/);
    assert.equal(secondsLine({ ...before, kernel: undefined, workload: undefined }, after), undefined);
  });

  test("docs/performance.md's bench block is what `beacons bench --readme` renders from the files it names", () => {
    const text = fs.readFileSync(path.join(ROOT, 'docs', 'performance.md'), 'utf8');
    const begin = text.indexOf('<!-- bench:begin');
    const end = text.indexOf(README_END);
    assert.ok(begin >= 0 && end > begin, 'docs/performance.md has no bench block');
    const block = text.slice(begin, end + README_END.length);
    const after = /^\(`(results\/bench\/[^`]+\.json)`\.\)$/m.exec(block)?.[1];
    const before =
      /the before run: `BEACONS_SIMD_MATMUL=0 npm run bench`, `(results\/bench\/[^`]+\.json)`/.exec(
        block,
      )?.[1];
    const ab = /`npx tsx src\/bench\/profile\.ts ab`, `(results\/bench\/[^`]+\.json)`/.exec(block)?.[1];
    const profile = /`npx tsx src\/bench\/profile\.ts save`, `(results\/bench\/[^`]+\.json)`/.exec(
      block,
    )?.[1];
    const reproduce = [
      ...block.matchAll(/`npx tsx src\/bench\/reproduce-time\.ts`, `(results\/bench\/[^`]+\.json)`/g),
    ].map((m) => m[1]);
    assert.ok(after !== undefined, 'the block names no results/bench file');
    const stored = <T>(file: string | undefined, read: (f: string) => T) =>
      file === undefined ? undefined : { data: read(path.join(ROOT, file)), file };
    const want = readmeBlock(
      { data: readBench(path.join(ROOT, after)), file: after },
      {
        before: stored(before, readBench),
        ab: stored(ab, readAb),
        profile: stored(profile, readProfile),
        reproduce: reproduce.map((f) => ({ data: readReproduce(path.join(ROOT, f)), file: f })),
      },
    );
    assert.equal(
      block,
      want,
      'docs/performance.md bench block edited by hand: run `npx beacons bench --readme …`',
    );
  });
});
