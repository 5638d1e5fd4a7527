/**
 * results/SUMMARY.md: the header (how it was generated, the cached runs) and, for each finding, its section (the
 * paper's claim, our number with its 95 % interval and seeds, the protocol, and whether the direction reproduces;
 * written by the finding's module, src/findings/<name>/summary.ts).
 */
export function summaryMarkdown(sections: readonly string[], header: string): string {
  return `${[header, ...sections].join('\n\n')}\n`;
}
