import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changesMarkdown, extractVerdicts, whyMoved } from './changes';

const V2 = [
  '## 1. Accuracy',
  '- 1 distance curve · lora, middle − outer distance bins: 1.9 [-6.3, 10.2] — **does not reproduce**: no peak.',
  '- 2 drift away at any rate · lora, facts pushed away: 0.0 [0.0, 5.7] — **inconclusive**: the bar.',
  '## Verdict per finding × model',
  '| finding · method | beacon-base | beacon-large |',
  '|---|---|---|',
  '| 1 distance curve · lora | **does not reproduce** 1.9 [-6.3, 10.2] | **inconclusive** 1.0 [0, 2] |',
].join('\n');

const NOW = [
  '## 1. Accuracy',
  '- 1 distance curve · lora, middle bins − nearest bin: -31.3 [-39.3, -21.7] — **does not reproduce** (MDE 12.6): opposite.',
  '- 2 push-away exists among failed runs · lora, pushed away: 0.0 [0.0, 32.4] — **inconclusive (floor)** (MDE n/a): few.',
  '## Verdict per finding × model',
  '| finding · method | beacon-base | beacon-large |',
  '|---|---|---|',
  '| 1 distance curve · lora | **does not reproduce** -31.3 [-39.3, -21.7] | **inconclusive (underpowered)** 1.0 [0, 2] |',
].join('\n');

test('extractVerdicts reads the section lines and every verdict table, with labelled reasons', () => {
  const v = extractVerdicts(NOW);
  assert.deepEqual(
    v.map((x) => [x.column, x.finding, x.verdict]),
    [
      ['', '1 distance curve · lora', 'does not reproduce'],
      ['', '2 push-away exists among failed runs · lora', 'inconclusive (floor)'],
      ['Verdict per finding × model · beacon-base', '1 distance curve · lora', 'does not reproduce'],
      [
        'Verdict per finding × model · beacon-large',
        '1 distance curve · lora',
        'inconclusive (underpowered)',
      ],
    ],
  );
});

test('changesMarkdown lists new and gone verdicts with a reason; a named inconclusive reason is not a move', () => {
  const md = changesMarkdown(extractVerdicts(V2), extractVerdicts(NOW));
  assert.match(md, /\| 2 push-away exists among failed runs · lora \| new \| inconclusive \(floor\) \|/);
  assert.match(md, /\| 2 drift away at any rate · lora \| inconclusive \| no longer a verdict \|/);
  assert.doesNotMatch(md, /beacon-large\) \| inconclusive \| inconclusive \(underpowered\)/);
  assert.match(md, /1 moved or new, 1 no longer a verdict, 3 unchanged/);
  assert.equal(changesMarkdown(undefined, extractVerdicts(NOW)), '');
  assert.match(whyMoved('1 distance curve, every regime · lora'), /near end/);
});
