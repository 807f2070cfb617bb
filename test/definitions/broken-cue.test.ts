import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { PROJECT_ROOT } from "../support/shared.js";

/**
 * Fifteen broken CUE templates (test/fixtures/broken-cue): `def vet` reports each at the file, line
 * and column of the definition file, with a message a CUE user recognises and a hint; never a stack
 * trace; exit code 1.
 */

interface BrokenCase {
  readonly file: string;
  readonly code: string;
  readonly line: number;
  readonly column: number;
  readonly message: RegExp;
}

const CASES: readonly BrokenCase[] = [
  {
    file: "01-unclosed-brace.yaml",
    code: "E_CUE_SYNTAX",
    line: 14,
    column: 9,
    message: /expected '\}', found end of text/,
  },
  {
    file: "02-stray-comma.yaml",
    code: "E_CUE_SYNTAX",
    line: 12,
    column: 39,
    message: /unexpected ',': a declaration is missing/,
  },
  {
    file: "03-unterminated-string.yaml",
    code: "E_CUE_SYNTAX",
    line: 12,
    column: 18,
    message: /string literal not terminated/,
  },
  {
    file: "04-missing-comprehension-brace.yaml",
    code: "E_CUE_SYNTAX",
    line: 17,
    column: 9,
    message: /expected '\}', found end of text/,
  },
  {
    file: "05-conflicting-values.yaml",
    code: "E_TEMPLATE",
    line: 12,
    column: 32,
    message: /patch\.spec\.replicas: conflicting values 1 and 3/,
  },
  {
    file: "06-type-mismatch.yaml",
    code: "E_TEMPLATE",
    line: 13,
    column: 27,
    message: /patch\.metadata: conflicting values "web" and \{\.\.\.\} \(mismatched types string and struct\)/,
  },
  {
    file: "07-undefined-field.yaml",
    code: "E_TEMPLATE",
    line: 11,
    column: 32,
    message: /patch\.spec\.replicas: undefined field: count/,
  },
  {
    file: "08-unknown-reference.yaml",
    code: "E_CUE_REFERENCE",
    line: 11,
    column: 32,
    message: /reference "replica" not found/,
  },
  { file: "09-unknown-import.yaml", code: "E_TEMPLATE", line: 13, column: 32, message: /package "strngs" not found/ },
  {
    file: "10-range-over-string.yaml",
    code: "E_TEMPLATE",
    line: 11,
    column: 60,
    message: /cannot range over "nginx" \(found string\)/,
  },
  {
    file: "11-non-bool-guard.yaml",
    code: "E_TEMPLATE",
    line: 12,
    column: 42,
    message: /cannot use "x" as bool in if condition/,
  },
  {
    file: "12-non-concrete-output.yaml",
    code: "E_TEMPLATE",
    line: 18,
    column: 26,
    message: /output\.spec\.replicas: incomplete value int/,
  },
  {
    file: "13-closed-definition.yaml",
    code: "E_TEMPLATE",
    line: 12,
    column: 102,
    message: /ports\.0\.name: field not allowed/,
  },
  {
    file: "14-bad-interpolation.yaml",
    code: "E_TEMPLATE",
    line: 11,
    column: 39,
    message: /invalid interpolation: cannot use \[\.\.\.\] as a string/,
  },
  {
    file: "15-impossible-bounds.yaml",
    code: "E_PARAM_INVALID",
    line: 12,
    column: 30,
    message: /incompatible bounds >=1 and <=0/,
  },
];

describe("broken CUE templates are reported at file:line:col", () => {
  it.each(CASES)("$file: $code at $line:$column", async ({ file, code, line, column, message }) => {
    const path = join("test/fixtures/broken-cue", file);
    const run = await runCli(["def", "vet", path], { cwd: PROJECT_ROOT });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const [headline = "", location = ""] = run.stderr.split("\n");
    expect(headline).toMatch(new RegExp(`^error\\[${code}\\]: `));
    expect(headline).toMatch(message);
    expect(location).toMatch(new RegExp(`^  --> ${path.replaceAll(".", "\\.")}:${line}:${column}\\b`));
    expect(run.stderr).toMatch(/\n {2}hint: \S/);
    expect(run.stderr).not.toMatch(/\n\s+at \S+ \(/);
  });
});
