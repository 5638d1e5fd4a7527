// Markdown-ish text → HTML, for the report's pages and for text a notebook shows. Classic Notebook drops an
// untrusted `text/markdown` output without a word, but shows sanitised `text/html`: showMarkdown sends both the
// HTML and the Markdown source (text/plain), so a reading or a verdict shows in every front end, trusted or not.
// Supported: paragraphs (blank lines), `#`–`####` headings, `- ` lists, `| a | b |` tables (the second row
// `|---|`; `\|` inside a cell), **bold**, *italic* and _italic_, `code`, [links](url), and a collapsible block: a
// line that is exactly `<details><summary>TEXT</summary>` (TEXT inline markdown-ish, escaped) opens it, a line that
// is exactly `</details>` closes it (one with nothing open stays text; one left open is closed at the end). Every
// other tag, these two elsewhere in a line included, is escaped.
import { displayBundle } from './display';

/** Text made safe inside HTML (also in attribute values). */
export function escapeHTML(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const EM_OPEN = '\u0001';
const EM_CLOSE = '\u0002';

/** One line of markdown-ish: code spans, links, bold, italic (escaped). */
export function inline(s: string): string {
  // _italic_ may hold a code span: marked first (control characters), turned into <em> at the end. Then code
  // spans (their content is not formatted), links, bold, *italic* — all on escaped text.
  const marked = s.replace(/(^|[\s(])_([^_\s][^_]*?)_(?=$|[\s.,;:)])/g, `$1${EM_OPEN}$2${EM_CLOSE}`);
  return marked
    .split(/(`[^`]+`)/)
    .map((part) => {
      if (/^`[^`]+`$/.test(part)) return `<code>${escapeHTML(part.slice(1, -1))}</code>`;
      return escapeHTML(part)
        .replace(
          /\[([^\]]+)\]\(((?:https?:\/\/|\.{0,2}\/|#)[^)\s]*|[\w.-]+\.html(?:#[\w-]*)?)\)/g,
          '<a href="$2">$1</a>',
        )
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
    })
    .join('')
    .split(EM_OPEN)
    .join('<em>')
    .split(EM_CLOSE)
    .join('</em>');
}

const TABLE_LINE = /^\s*\|.*\|\s*$/;
const RULE_LINE = /^[\s|:-]+$/;
const LIST_LINE = /^\s*[-*] /;
const HEADING = /^(#{1,4}) (.*)$/;

/** `| a | b |` rows (the second one `|---|`) → a table; cells are inline markdown-ish; `\|` is a literal bar. */
function table(lines: string[]): string {
  const cells = (l: string) =>
    l
      .trim()
      .replace(/^\|/, '')
      .replace(/(^|[^\\])\|$/, '$1')
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
  const head = cells(lines[0]!);
  const body = lines.slice(2).map(cells);
  return (
    `<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead>` +
    `<tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
  );
}

/** One block (no blank line inside): headings, tables, lists and paragraphs in the order they come. */
function block(lines: string[], out: string[]): void {
  let i = 0;
  const para: string[] = [];
  const flush = () => {
    if (para.length) out.push(`<p>${para.map((l) => inline(l.trim())).join('\n')}</p>`);
    para.length = 0;
  };
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = HEADING.exec(line.trim());
    if (heading) {
      flush();
      const level = heading[1]!.length;
      out.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
      i++;
    } else if (TABLE_LINE.test(line) && i + 1 < lines.length && RULE_LINE.test(lines[i + 1]!)) {
      flush();
      let j = i + 2;
      while (j < lines.length && TABLE_LINE.test(lines[j]!)) j++;
      out.push(table(lines.slice(i, j)));
      i = j;
    } else if (LIST_LINE.test(line) && para.length === 0) {
      let j = i;
      while (j < lines.length && LIST_LINE.test(lines[j]!)) j++;
      out.push(
        `<ul>${lines
          .slice(i, j)
          .map((l) => `<li>${inline(l.replace(LIST_LINE, ''))}</li>`)
          .join('')}</ul>`,
      );
      i = j;
    } else {
      para.push(line);
      i++;
    }
  }
  flush();
}

const DETAILS_OPEN = /^\s*<details><summary>(.*)<\/summary>\s*$/;
const DETAILS_CLOSE = /^\s*<\/details>\s*$/;

/** Blocks separated by blank lines → HTML, appended to `out`. */
function blocks(text: string, out: string[]): void {
  for (const b of text.trim().split(/\n\s*\n/)) {
    const lines = b.split('\n').filter((l) => l.trim() !== '');
    if (lines.length) block(lines, out);
  }
}

/** Markdown-ish text → HTML (see the file's head for what is supported). */
export function markdownish(text: string): string {
  const out: string[] = [];
  let open = 0; // <details> elements open
  let run: string[] = []; // lines since the last <details> / </details> line
  const flush = () => {
    blocks(run.join('\n'), out);
    run = [];
  };
  for (const line of text.split('\n')) {
    const details = DETAILS_OPEN.exec(line);
    if (details) {
      flush();
      out.push(`<details><summary>${inline(details[1]!.trim())}</summary>`);
      open++;
    } else if (open > 0 && DETAILS_CLOSE.test(line)) {
      flush();
      out.push('</details>');
      open--;
    } else run.push(line);
  }
  flush();
  for (; open > 0; open--) out.push('</details>');
  return out.join('\n');
}

/**
 * Show Markdown text in a notebook so that every front end shows it: `text/html` (markdownish, in a
 * `<div class="beacons-text">`; classic Notebook shows it sanitised when the notebook is untrusted, where it
 * drops `text/markdown`) and the Markdown itself as `text/plain`.
 */
export function showMarkdown(text: string): void {
  displayBundle({ 'text/html': `<div class="beacons-text">${markdownish(text)}</div>`, 'text/plain': text });
}
