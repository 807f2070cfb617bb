/** The kubectl examples of docs/real-clusters.md, read back so the tests compare them with kubectl's output. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../support/shared.js";

/** Lines without trailing blanks, trailing empty lines dropped: kubectl pads its explain output. */
export function normalised(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trimEnd();
}

/** The output documented under `$ kubectl … <command>` in docs/real-clusters.md (up to the fence). */
export function documentedOutput(command: string): string {
  const doc = readFileSync(join(PROJECT_ROOT, "docs", "real-clusters.md"), "utf8");
  const start = doc.indexOf(`${command}\n`);
  if (start < 0) throw new Error(`docs/real-clusters.md documents no "${command}"`);
  const rest = doc.slice(start + command.length + 1);
  const block = rest.slice(0, rest.indexOf("```"));
  return normalised(
    block
      .split("\n")
      .map((line) => line.replace(/^ {2}/, ""))
      .join("\n"),
  );
}
