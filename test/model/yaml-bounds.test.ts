import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/index.js";
import { parseYamlDocuments, parseYamlText, parseYamlValue } from "../../src/model/parse-yaml.js";

function issueOf(text: string): { code: string; message: string; line: number | undefined } {
  try {
    parseYamlDocuments(text, "input.yaml");
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const first = error.issues[0];
    return { code: first?.code ?? "", message: first?.message ?? "", line: first?.source?.line };
  }
  throw new Error("expected a ValidationError");
}

/** Nine levels of ten aliases: a billion values when expanded. */
function aliasBomb(): string {
  const letters = "abcdefghij";
  const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let level = 1; level < letters.length; level++) {
    const previous = letters[level - 1] ?? "a";
    lines.push(`${letters[level]}: &${letters[level]} [${Array(10).fill(`*${previous}`).join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
}

describe("bounded YAML parsing", () => {
  it.each([
    {
      name: "an undefined alias",
      text: "a: 1\nb: *nope\n",
      code: "E_YAML",
      line: 2,
      message: /alias \*nope refers to no anchor/,
    },
    { name: "an alias bomb", text: aliasBomb(), code: "E_YAML_LIMIT", line: 7, message: /alias bomb/ },
    { name: "a recursive alias", text: "a: &a [1, *a]\n", code: "E_YAML", line: 1, message: /contains it/ },
    { name: "a duplicate key", text: "a: 1\nb: 2\na: 3\n", code: "E_YAML", line: 3, message: /duplicate key "a"/ },
    {
      name: "the same key as number and string",
      text: "x:\n  1: a\n  '1': b\n",
      code: "E_YAML",
      line: 3,
      message: /duplicate key "1"/,
    },
    {
      name: "deep flow nesting",
      text: `${"[".repeat(50_000)}${"]".repeat(50_000)}\n`,
      code: "E_YAML_LIMIT",
      line: 1,
      message: /more than 200 levels/,
    },
    {
      name: "deep block nesting",
      text: Array.from({ length: 300 }, (_, depth) => `${" ".repeat(depth)}k${depth}:`).join("\n"),
      code: "E_YAML_LIMIT",
      line: 201,
      message: /more than 200 levels/,
    },
    {
      name: "an oversized input",
      text: `a: "${"x".repeat(17 * 1024 * 1024)}"\n`,
      code: "E_YAML_LIMIT",
      line: 1,
      message: /more than the 16 MiB/,
    },
  ])("$name is a clear error with its line", ({ text, code, line, message }) => {
    const issue = issueOf(text);
    expect(issue.code).toBe(code);
    expect(issue.line).toBe(line);
    expect(issue.message).toMatch(message);
  });

  it("aliases within the limits expand into copies, not shared objects", () => {
    const text = `base: &base {image: nginx, ports: [80]}\n${Array.from({ length: 500 }, (_, i) => `c${i}: *base`).join("\n")}\n`;
    const [document] = parseYamlDocuments(text, "input.yaml");
    const value = document?.value as Record<string, { ports: number[] }>;
    expect(value["c499"]).toEqual({ image: "nginx", ports: [80] });
    value["c1"]?.ports.push(443);
    expect(value["c2"]?.ports).toEqual([80]);
  });

  it("a 30,000-label mapping parses (the duplicate-key check is one pass)", () => {
    const text = `labels:\n${Array.from({ length: 30_000 }, (_, i) => `  key-${i}: v`).join("\n")}\n`;
    const [document] = parseYamlDocuments(text, "input.yaml");
    expect(Object.keys((document?.value as { labels: object }).labels)).toHaveLength(30_000);
  });

  it("merge keys work where asked for (Helm values files)", () => {
    expect(parseYamlValue("base: &b {a: 1}\nx:\n  <<: *b\n  c: 2\n", "values.yaml", { merge: true })).toEqual({
      base: { a: 1 },
      x: { a: 1, c: 2 },
    });
  });

  it("generated text reports the offset of its problem", () => {
    const parsed = parseYamlText("ok: 1\nbad: *missing\n");
    expect("problem" in parsed && parsed.problem.offset).toBe(11);
    expect(parseYamlText("a: [1, 2]\n")).toEqual({ value: { a: [1, 2] } });
  });
});
