/**
 * Prints figures about the shape of `src/`: files and lines per folder, the longest functions,
 * the `as unknown as` casts (and how many say why in a comment), and, where the `duplicates` tool
 * is on PATH, the pairs of places sharing 12 lines or more between two files.
 *
 *   npx tsx scripts/code-figures.ts [--top N]
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const topIndex = process.argv.indexOf("--top");
const top = topIndex === -1 ? 5 : Number(process.argv[topIndex + 1] ?? 5);

const files = execFileSync("git", ["ls-files", "src"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((file) => file.endsWith(".ts"));

const perFolder = new Map<string, { files: number; lines: number }>();
const functions: { where: string; lines: number }[] = [];
let casts = 0;
let uncommentedCasts = 0;

function functionName(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name !== undefined)
    return node.name.getText();
  if (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)) return node.parent.name.getText();
  return "(anonymous)";
}

for (const file of files) {
  const text = readFileSync(join(root, file), "utf8");
  const lines = text.split("\n");
  const folder = file.split("/").slice(0, 2).join("/");
  const entry = perFolder.get(folder) ?? { files: 0, lines: 0 };
  perFolder.set(folder, { files: entry.files + 1, lines: entry.lines + lines.length });
  lines.forEach((line, index) => {
    if (!line.includes(" as unknown as ")) return;
    casts++;
    if (!`${lines[index - 1] ?? ""}${line}`.includes("//")) uncommentedCasts++;
  });
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({ where: `${file}:${start + 1} ${functionName(node)}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

const out = (line: string): boolean => process.stdout.write(`${line}\n`);
out(`files in src: ${files.length}`);
out("files and lines per folder:");
for (const [folder, entry] of [...perFolder].sort((a, b) => b[1].files - a[1].files))
  out(`  ${folder.padEnd(32)} ${String(entry.files).padStart(4)} files ${String(entry.lines).padStart(7)} lines`);
out(`longest functions (lines):`);
for (const fn of functions.sort((a, b) => b.lines - a.lines).slice(0, top))
  out(`  ${String(fn.lines).padStart(4)}  ${fn.where}`);
out(`casts "as unknown as": ${casts} (${uncommentedCasts} without a comment saying why)`);
try {
  const report = execFileSync(
    "duplicates",
    ["--repo", "src", "--min-lines", "12", "--most", "200", "--seconds", "120"],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  const pairs = report.split("\n").filter((line) => /^D\d+ /.test(line));
  const across = pairs.filter((line) => {
    const [left, right] = line.slice(line.indexOf(" ") + 1).split(" ~ ");
    return left?.split(":")[0] !== right?.split(":")[0];
  });
  out(`near-copies of 12 lines or more: ${pairs.length} pairs, ${across.length} between two files`);
  for (const line of across) out(`  ${line}`);
} catch {
  out("near-copies: the `duplicates` tool is not on PATH");
}
