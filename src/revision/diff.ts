/**
 * A unified diff of two texts, line by line (LCS), with `context` lines around each change —
 * what `revision get <app> N --diff M` prints.
 */
export function unifiedDiff(
  before: string,
  after: string,
  labels: { readonly before: string; readonly after: string },
  context = 3,
): string {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.at(-1) === "") a.pop();
  if (b.at(-1) === "") b.pop();
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  // aBefore/bBefore: how many lines of each side come before this op (for hunk headers).
  type Op = {
    readonly tag: " " | "-" | "+";
    readonly line: string;
    readonly aBefore: number;
    readonly bBefore: number;
  };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const here = { aBefore: i, bBefore: j };
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ tag: " ", line: a[i] ?? "", ...here });
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      ops.push({ tag: "-", line: a[i] ?? "", ...here });
      i++;
    } else {
      ops.push({ tag: "+", line: b[j] ?? "", ...here });
      j++;
    }
  }
  const changed = ops.map((op, index) => (op.tag === " " ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return "";
  const hunks: Op[][] = [];
  let start = Math.max(0, (changed[0] ?? 0) - context);
  let end = Math.min(ops.length, (changed[0] ?? 0) + context + 1);
  for (const index of changed.slice(1)) {
    if (index - context <= end) end = Math.min(ops.length, index + context + 1);
    else {
      hunks.push(ops.slice(start, end));
      start = Math.max(0, index - context);
      end = Math.min(ops.length, index + context + 1);
    }
  }
  hunks.push(ops.slice(start, end));
  const lines = [`--- ${labels.before}`, `+++ ${labels.after}`];
  for (const hunk of hunks) {
    const first = hunk[0];
    const aStart = (first?.aBefore ?? 0) + 1;
    const bStart = (first?.bBefore ?? 0) + 1;
    const aCount = hunk.filter((op) => op.tag !== "+").length;
    const bCount = hunk.filter((op) => op.tag !== "-").length;
    lines.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const op of hunk) lines.push(`${op.tag}${op.line}`);
  }
  return `${lines.join("\n")}\n`;
}
