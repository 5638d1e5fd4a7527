import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MimeBundle, setDisplaySink } from './display';
import { markdownish, showMarkdown } from './markdown';

test('markdownish: a heading, lines and a table in one block; escaped bars; _italic_ only at word edges', () => {
  const html = markdownish(
    '## 1. Claim\nPaper: a.\nOurs: b.\n\n**cap**\n\n| x | y |\n| :--- | ---: |\n| a \\| b | d0_mean |\n\n_Scale `toy`._',
  );
  assert.equal(
    html,
    '<h2>1. Claim</h2>\n<p>Paper: a.\nOurs: b.</p>\n<p><strong>cap</strong></p>\n' +
      '<table><thead><tr><th>x</th><th>y</th></tr></thead><tbody><tr><td>a | b</td><td>d0_mean</td></tr></tbody></table>\n' +
      '<p><em>Scale <code>toy</code>.</em></p>',
  );
});

test('showMarkdown: text/html (shown untrusted) and the Markdown as text/plain, never text/markdown', () => {
  const seen: MimeBundle[] = [];
  setDisplaySink((b) => seen.push(b));
  try {
    showMarkdown('**How to read it.** x < y');
  } finally {
    setDisplaySink(null);
  }
  assert.equal(seen.length, 1);
  assert.deepEqual(Object.keys(seen[0]!).sort(), ['text/html', 'text/plain']);
  assert.equal(
    seen[0]!['text/html'],
    '<div class="beacons-text"><p><strong>How to read it.</strong> x &lt; y</p></div>',
  );
  assert.equal(seen[0]!['text/plain'], '**How to read it.** x < y');
});
