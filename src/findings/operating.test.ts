import assert from 'node:assert/strict';
import { test } from 'node:test';
import { operatingCharacteristics, operatingMarkdown } from './operating';

// one seeded simulation for every rule (the committed table uses more draws: `beacons operating`)
const DRAWS = 150;
const rows = operatingCharacteristics(DRAWS, 7);

test('no rule calls a planted effect of the paper\'s size "does not reproduce" in more than 5 % of draws', () => {
  const planted = rows.filter((r) => r.effect);
  assert.ok(planted.length >= 10, `${planted.length} planted rows`);
  for (const r of planted)
    assert.ok(
      r.doesNot / r.draws <= 0.05,
      `${r.rule} (${r.scale}, ${r.n}): ${r.doesNot}/${r.draws} "does not reproduce"`,
    );
});

test('no rule calls a zero effect "reproduces" much above the 5 % family-wise rate', () => {
  // binomial slack: 5 % of 150 is 7.5; 15 is beyond 3 SD
  for (const r of rows.filter((x) => !x.effect))
    assert.ok(r.reproduces <= 15, `${r.rule} (${r.scale}, ${r.n}): ${r.reproduces}/${r.draws} "reproduces"`);
});

test('finding 1 at full scale finds a planted 20-point near-end drop (power ≥ 80 %)', () => {
  const r = rows.find((x) => x.rule.startsWith('1 ') && x.scale === 'full' && x.effect)!;
  assert.ok(r.reproduces / r.draws >= 0.8, `${r.reproduces}/${r.draws}`);
});

test('the table names every rule at both scales and states the 5 % rule', () => {
  const md = operatingMarkdown(rows, DRAWS, 7);
  for (const rule of new Set(rows.map((r) => r.rule))) {
    assert.ok(md.includes(`| ${rule} | default |`), rule);
    assert.ok(md.includes(`| ${rule} | full |`), rule);
  }
  assert.match(md, /every rule below meets it/);
});
