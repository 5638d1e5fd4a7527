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

test('markdownish: a <details><summary> line and a </details> line make a collapsible block; the rest stays markdown', () => {
  const html = markdownish(
    'Before.\n\n<details><summary>Why **each** `<verdict>` & more</summary>\n\n- a < b\n- c\n\n</details>\n\nAfter.',
  );
  assert.equal(
    html,
    '<p>Before.</p>\n' +
      '<details><summary>Why <strong>each</strong> <code>&lt;verdict&gt;</code> &amp; more</summary>\n' +
      '<ul><li>a &lt; b</li><li>c</li></ul>\n' +
      '</details>\n' +
      '<p>After.</p>',
  );
  // Surrounding whitespace is allowed, and the markers need no blank line around them.
  assert.equal(
    markdownish('x\n  <details><summary>s</summary>  \ny\n </details> \nz'),
    '<p>x</p>\n<details><summary>s</summary>\n<p>y</p>\n</details>\n<p>z</p>',
  );
});

test('markdownish: unbalanced details — a stray </details> stays text, an unclosed <details> is closed at the end', () => {
  assert.equal(markdownish('a\n\n</details>'), '<p>a</p>\n<p>&lt;/details&gt;</p>');
  assert.equal(
    markdownish('<details><summary>s</summary>\n\n- x'),
    '<details><summary>s</summary>\n<ul><li>x</li></ul>\n</details>',
  );
  assert.equal(
    markdownish('<details><summary>s</summary>\nx\n</details>\n</details>'),
    '<details><summary>s</summary>\n<p>x</p>\n</details>\n<p>&lt;/details&gt;</p>',
  );
  // Nested blocks close in order.
  assert.equal(
    markdownish('<details><summary>a</summary>\n<details><summary>b</summary>\nx'),
    '<details><summary>a</summary>\n<details><summary>b</summary>\n<p>x</p>\n</details>\n</details>',
  );
});

test('markdownish: any other HTML stays escaped, the details tags too when not alone on their line', () => {
  assert.equal(
    markdownish('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">'),
    '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>',
  );
  // The summary text is escaped: a script inside it is text, not a tag.
  assert.equal(
    markdownish('<details><summary><script>x</script></summary>\ny\n</details>'),
    '<details><summary>&lt;script&gt;x&lt;/script&gt;</summary>\n<p>y</p>\n</details>',
  );
  // Not the exact forms: escaped as text.
  for (const line of [
    'see <details><summary>s</summary>',
    '<details open><summary>s</summary>',
    '<details><summary>s</summary> tail',
    '<details>',
    '<summary>s</summary>',
    '</details> tail',
    '<DETAILS><SUMMARY>s</SUMMARY>',
  ]) {
    const html = markdownish(line);
    assert.ok(!/<details|<summary|<\/details/i.test(html), `${line} → ${html}`);
  }
  assert.equal(markdownish('</details>'), '<p>&lt;/details&gt;</p>');
});
