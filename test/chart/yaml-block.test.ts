import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { goYamlError, goYamlTags, readYaml, readYamlDocuments, YamlSyntaxError } from "../../src/chart/yaml.js";
import { PlainScalarResolver, readBlockYaml } from "../../src/chart/yaml-block.js";

const resolver = new PlainScalarResolver({ version: "1.1", customTags: goYamlTags });

/** What the full `yaml` reader makes of a one-document text, or undefined when it reports an error. */
function fullRead(text: string): { value: unknown } | undefined {
  const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: false, merge: true, customTags: goYamlTags });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > 1 || list.some((doc) => doc.errors.length > 0)) return undefined;
  return { value: list.length === 0 ? null : list[0]?.toJS() };
}

/** Texts the fast reader must read itself, with the value `yaml` gives. */
const FAST_CASES: readonly string[] = [
  "",
  "# only a comment\n",
  "a: 1\nb: two\nc:\n",
  "a: yes\nb: 'yes'\nc: on\nd: Off\ne: y\nf: N\n",
  "mode: 0755\nhex: 0x1F\nbin: 0b101\nunder: 1_000\nexp: 1e3\nfrac: .5\nneg: -0.25\nplus: +12\n",
  "inf: .inf\nninf: -.Inf\nnan: .NaN\ndot: .\n",
  "null1: ~\nnull2: null\nnull3: Null\nnull4: NULL\nempty:\n",
  "time: 1:20\ndate: 2001-12-14\nstamp: 2001-12-14t21:59:43.10-05:00\n",
  "q: \"a\\\"b\\n\\t\\u00e9\\x41\\U0001F600\"\ns: 'it''s'\n",
  "url: http://example.com:8080/x\nhash: a#b\ncomment: value # trailing\nempty: # nothing\n",
  "list:\n- a\n- b\nother: 1\n",
  "list:\n  - a\n  -   b\n  -\n  - # comment\n    nested: 1\n",
  "- a: 1\n  b: 2\n- - x\n  - y\n- c\n",
  "metadata:\n  annotations:\n    \"helm.sh/hook\": test\n    'quoted key': 1\n",
  "flow: [a, 'b', \"c\", 1, yes, [x, y], {k: v}]\nmap: {a: 1, b: [2, 3], c: }\nempty: []\nnone: {}\n",
  "trailing: [a, b, ]\n",
  "lit: |\n  line 1\n\n  line 3\n\nnext: 1\n",
  "strip: |-\n  a\n  b\n\n\nkeep: |+\n  a\n\n\nclip: |\n  a\n\n\n",
  "fold: >\n  a\n  b\n\n  c\nfoldstrip: >-\n  x\n  y\n",
  'script: |\n  #!/bin/sh\n  echo "%A" # not a comment\n    indented\n',
  "- |\n  in a list\n- >-\n  folded\n  item\n",
  "description: a long text that\n  goes on over\n\n  several lines\nnext: x\n",
  "- plain item\n  continued\n- 'quoted item\n  continued  \n\n   after a blank'\n- \"double\n  quoted \\u00e9\"\n",
  "---\nkind: ConfigMap\ndata:\n  key: value\n",
  "dup: 1\nother: 2\ndup: 3\n",
  "key with spaces: v\n-dash: 1\n? : 2\n".replace("? : 2\n", ""),
  "  indented:\n    top: 1\n",
  "a:b: c\n",
  "just a scalar\n",
  "'quoted scalar'\n",
  "- [a, b]\n- {c: d}\n",
];

/** Texts the fast reader leaves to `yaml` (it must not answer). */
const SLOW_CASES: readonly string[] = [
  "a: &x 1\nb: *x\n",
  "a: !!str 1\n",
  "<<: {a: 1}\n",
  "? complex\n: key\n",
  "a: 1\n---\nb: 2\n",
  "%YAML 1.1\n---\na: 1\n",
  "a:\tb\n",
  "lit: |2\n    two\n",
  "flow: [a,\n  b]\n",
  "on: 1\n",
  "1: one\n",
  "a: b: c\n",
  "a: 'unterminated\n",
  "a: 1\r\nb: 2\r\n",
];

describe("readBlockYaml: the fast reader of regular YAML", () => {
  it.each(FAST_CASES.map((text) => ({ text })))("reads %j as yaml does", ({ text }) => {
    const fast = readBlockYaml(text, resolver);
    expect(fast, "the fast reader gave up").toBeDefined();
    expect(fast?.value).toStrictEqual(fullRead(text)?.value);
  });

  it.each(SLOW_CASES.map((text) => ({ text })))("leaves %j to yaml", ({ text }) => {
    expect(readBlockYaml(text, resolver)).toBeUndefined();
  });

  it("agrees with yaml on thousands of generated documents", () => {
    const random = seeded(7);
    let answered = 0;
    let compared = 0;
    const mismatches: string[] = [];

    for (let n = 0; n < 3000; n++) {
      const text = generateDocument(random);
      const full = fullRead(text);
      const fast = readBlockYaml(text, resolver);
      if (fast !== undefined) answered++;

      if (full === undefined || fast === undefined) continue;
      compared++;
      if (!isDeepStrictEqual(fast.value, full.value)) mismatches.push(text);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    // Most generated documents are regular: the comparison is not vacuous.
    expect(compared).toBeGreaterThan(2500);
    expect(answered).toBeGreaterThan(2500);
  });
});

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const SCALARS = [
  "a",
  "hello world",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "n",
  "true",
  "False",
  "~",
  "null",
  "",
  "0",
  "-0",
  "0755",
  "0x1F",
  "0b11",
  "1_000",
  "12",
  "+3",
  "-4.5",
  "1e3",
  "1.5E-2",
  ".5",
  ".",
  ".inf",
  "-.INF",
  ".nan",
  "1:20",
  "2001-12-14",
  "a:b",
  "a#b",
  "http://x/y?z=1",
  "-x",
  "~x",
  "é",
  "'single'",
  "'it''s'",
  '"double"',
  '"with \\"escape\\" and \\n"',
  '"a: b"',
  "'# not a comment'",
  "x # comment",
  "[a, b]",
  "{a: 1}",
  "[]",
  "{}",
  "[yes, 'no', 0x10]",
  "{k: [1, 2], j: v}",
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function generateDocument(random: () => number): string {
  const lines: string[] = [];
  generateNode(random, lines, 0, 3, "map");
  return `${lines.join("\n")}\n`;
}

function blockScalar(random: () => number, indent: string): string[] {
  const header = pick(random, ["|", "|-", "|+", ">", ">-", ">+"]);
  const body = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
    pick(random, ["text", "more text", "", "# hash", "  deeper", "a: b"]),
  );
  if (header.startsWith(">")) for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? "").trimStart();
  const trailing = random() < 0.3 ? [""] : [];
  return [header, ...[...body, ...trailing].map((line) => (line === "" ? "" : `${indent}  ${line}`))];
}

function generateNode(random: () => number, lines: string[], depth: number, maxDepth: number, kind: string): void {
  const indent = " ".repeat(depth * 2);
  const entries = 1 + Math.floor(random() * 4);
  for (let i = 0; i < entries; i++) {
    const key = pick(random, ["name#", "kind#", "a#", "'quoted#'", '"dq key#"', "with space#", "x.y/z#"]).replace(
      "#",
      String(i),
    );
    const prefix = kind === "map" ? `${indent}${key}:` : `${indent}-`;
    const roll = random();
    if (roll < 0.45 || depth >= maxDepth) {
      const scalar = pick(random, SCALARS);
      lines.push(`${prefix} ${scalar}`.replace(/ $/, ""));
      if (random() < 0.2 && /^[\w.~+-]/.test(scalar) && !scalar.includes("#")) lines.push(`${indent}  continued line`);
      if (random() < 0.1) lines.push(`${indent}# a comment`);
      if (random() < 0.05) lines.push("");
    } else if (roll < 0.55) {
      const block = blockScalar(random, indent);
      lines.push(`${prefix} ${block[0] ?? "|"}`);
      lines.push(...block.slice(1));
    } else if (roll < 0.8) {
      lines.push(prefix);
      generateNode(random, lines, depth + 1, maxDepth, random() < 0.5 ? "map" : "seq");
    } else if (kind === "seq") {
      // A compact mapping in a sequence entry.
      const inner: string[] = [];
      generateNode(random, inner, depth + 1, maxDepth, "map");
      const first = inner[0] ?? "";
      lines.push(`${indent}- ${first.trimStart()}`, ...inner.slice(1));
    } else {
      // A sequence at the key's own indentation.
      lines.push(prefix);
      const inner: string[] = [];
      generateNode(random, inner, depth, maxDepth, "seq");
      lines.push(...inner);
    }
  }
}

describe("goYamlError: go-yaml's wording and line for common mistakes", () => {
  const cases = [
    { text: "a: 1\nb: 2\ninvalid", line: 4, message: "could not find expected ':'" },
    { text: "a: 1\ninvalid\n\n# note\nb: 2\n", line: 5, message: "could not find expected ':'" },
    { text: "a: b: c\n", line: 1, message: "mapping values are not allowed in this context" },
    { text: "a: 1\n  b: 2\n", line: 2, message: "mapping values are not allowed in this context" },
    { text: "a:\n\tb: 1\n", line: 2, message: "found character that cannot start any token" },
  ];
  it.each(cases)("$text", ({ text, line, message }) => {
    let error: unknown;
    try {
      readYamlDocuments(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(YamlSyntaxError);
    expect(goYamlError(text, error as YamlSyntaxError)).toEqual({ line, message });
  });
});

describe("plain scalars resolve as go-yaml v2 resolves them", () => {
  it("a float needs a digit: `.`, `-.` and `.e5` are strings (Helm's import-values `parent: .`)", () => {
    expect(readYaml("a: .\nb: -.\nc: .e5\nd: .5\ne: 1.\nf: 1e3\ng: [., x]\nh: {p: .}\n")).toEqual({
      a: ".",
      b: "-.",
      c: ".e5",
      d: 0.5,
      e: 1,
      f: 1000,
      g: [".", "x"],
      h: { p: "." },
    });
    expect(readYaml("a: .inf\nb: .nan\n")).toEqual({ a: Infinity, b: NaN });
  });
});
