import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { BarProgressGroup, fitWidth } from './progress';

/** A fake terminal `columns` wide that records what is written. */
function terminal(columns: number) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & {
    isTTY: boolean;
    columns: number;
    cursorTo(): boolean;
    moveCursor(): boolean;
    clearLine(): boolean;
    clearScreenDown(): boolean;
  };
  Object.assign(stream, {
    isTTY: true,
    columns,
    rows: 40,
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
  });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes
  const text = () => chunks.join('').replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
  return { stream, chunks, text };
}

const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // a training step: the event loop does not turn
  }
};

test('bars are drawn during a computation that never yields to the event loop, each line within the terminal', () => {
  const t = terminal(60);
  const group = new BarProgressGroup(t.stream as unknown as NodeJS.WritableStream);
  const r = group.reporter();
  const seen: number[] = [];
  try {
    r.start(10, 'a rather long experiment label that goes on');
    for (let i = 1; i <= 5; i++) {
      busy(120);
      r.update(i, { message: `last case ${'x'.repeat(80)}` });
      seen.push(t.chunks.length);
    }
  } finally {
    group.stop();
  }
  // every update drew (no timer could run in between), counts included
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `update ${i + 1} drew nothing`);
  assert.match(t.text(), /\b5\/10\b/);
  // the fake terminal ignores cursor moves, so redrawn lines run on: split after each cut line too
  for (const line of t
    .text()
    .split(/(?<=…)|[\r\n]+/)
    .map((l) => l.replace(/^[\r\n]+/, '')))
    assert.ok(line.length < 60, `a line of ${line.length} columns: ${line}`);
});

test('fitWidth cuts a line to the terminal, leaves it when the width is unknown', () => {
  assert.equal(fitWidth('x'.repeat(30), 20), `${'x'.repeat(18)}…`);
  assert.equal(fitWidth('short', 20), 'short');
  assert.equal(fitWidth('x'.repeat(300), undefined), 'x'.repeat(300));
});
