import { structuredPatch } from "diff";

/**
 * A unified diff of two texts, line by line, with `context` lines around each change — what
 * `revision get <app> N --diff M` prints. jsdiff's Myers diff (O((N+M)·D)): a 6,000-line revision
 * with a few changes diffs in milliseconds, where a full LCS table took seconds and hundreds of MiB
 * (bench/revision-diff.bench.ts). `""` when the texts are the same.
 */
export function unifiedDiff(
  before: string,
  after: string,
  labels: { readonly before: string; readonly after: string },
  context = 3,
): string {
  // Both texts are compared as lists of lines: a missing last newline is not a change.
  const asLines = (text: string): string => (text === "" || text.endsWith("\n") ? text : `${text}\n`);
  const patch = structuredPatch(labels.before, labels.after, asLines(before), asLines(after), undefined, undefined, {
    context,
  });
  if (patch.hunks.length === 0) return "";
  const lines = [`--- ${labels.before}`, `+++ ${labels.after}`];
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    lines.push(...hunk.lines);
  }
  return `${lines.join("\n")}\n`;
}
