/**
 * `toYaml`'s text, byte for byte as Helm writes it (sigs.k8s.io/yaml: JSON, then go-yaml v2). Cases
 * from sigs.k8s.io/yaml's `goyaml.v2/encode_test.go` (`marshalTests` that JSON data can reach,
 * `TestLineWrapping`, `TestSortedOutput`), then Helm-shaped cases whose expected text follows the
 * same emitter rules.
 */
import { describe, expect, it } from "vitest";
import { GoInt, renderTemplateString } from "../../src/chart/index.js";
import { goYamlKeyLess, marshalGoYaml } from "../../src/chart/go-yaml-emit.js";

describe("go-yaml v2 encode_test.go (marshalTests JSON data can reach)", () => {
  const cases: [unknown, string][] = [
    [null, "null\n"],
    [{}, "{}\n"],
    [{ v: "hi" }, "v: hi\n"],
    [{ v: "true" }, 'v: "true"\n'],
    [{ v: "false" }, 'v: "false"\n'],
    [{ v: true }, "v: true\n"],
    [{ v: false }, "v: false\n"],
    [{ v: 10 }, "v: 10\n"],
    [{ v: -10 }, "v: -10\n"],
    [{ v: 4294967296 }, "v: 4294967296\n"],
    [{ v: "10" }, 'v: "10"\n'],
    [{ v: 0.1 }, "v: 0.1\n"],
    [{ v: -0.1 }, "v: -0.1\n"],
    [{ v: null }, "v: null\n"],
    [{ v: "" }, 'v: ""\n'],
    [{ v: ["A", "B"] }, "v:\n- A\n- B\n"],
    [{ v: ["A", "B\nC"] }, "v:\n- A\n- |-\n  B\n  C\n"],
    [{ v: ["A", 1, { B: [2, 3] }] }, "v:\n- A\n- 1\n- B:\n  - 2\n  - 3\n"],
    [{ a: { b: "c" } }, "a:\n  b: c\n"],
    [{ a: "-" }, "a: '-'\n"],
    [123, "123\n"],
    [{ hello: "world" }, "hello: world\n"],
    [{ a: null }, "a: null\n"],
    [{ a: [1, 2] }, "a:\n- 1\n- 2\n"],
    [{ a: "<foo>" }, "a: <foo>\n"],
    [{ a: "1:1" }, 'a: "1:1"\n'],
    [{ a: "\x00" }, 'a: "\\0"\n'],
    [{ b: 2, a: 1, d: 4, c: 3, sub: { e: 5 } }, "a: 1\nb: 2\nc: 3\nd: 4\nsub:\n  e: 5\n"],
    [{ a: "你好" }, "a: 你好\n"],
    [{ a: "1.2.3.4" }, "a: 1.2.3.4\n"],
    [{ a: "2015-02-24T18:19:39Z" }, 'a: "2015-02-24T18:19:39Z"\n'],
    [{ a: "b: c" }, "a: 'b: c'\n"],
    [{ a: "Hello #comment" }, "a: 'Hello #comment'\n"],
    [{ a: "你好 #comment" }, "a: '你好 #comment'\n"],
    [{ a: 5 }, "a: 5\n"],
    [{ a: 100.5 }, "a: 100.5\n"],
    [{ a: "bogus" }, "a: bogus\n"],
    [{ _: { hi: "there" } }, "_:\n  hi: there\n"],
    [{ _: [1, "A"] }, "_:\n- 1\n- A\n"],
    [{ _: "BAR!" }, "_: BAR!\n"],
    [
      { data: { A1: "0x0000000000000000000000010000000000000000", A3: "1234", A6: 1234 } },
      'data:\n  A1: "0x0000000000000000000000010000000000000000"\n  A3: "1234"\n  A6: 1234\n',
    ],
  ];
  for (const [value, want] of cases)
    it(JSON.stringify(value), () => {
      expect(marshalGoYaml(value)).toBe(want);
    });

  it("TestLineWrapping: folded at the first space past column 80", () => {
    expect(
      marshalGoYaml({
        a: "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 ",
      }),
    ).toBe(
      "a: 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 abcdefghijklmnopqrstuvwxyz\n" +
        "  ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 '\n",
    );
  });

  it("TestSortedOutput (string keys): digit runs compare as numbers", () => {
    const order = [
      "",
      ".1",
      ".2",
      ".a",
      "1",
      "2",
      "a!10",
      "a/0001",
      "a/002",
      "a/3",
      "a/10",
      "a/11",
      "a/0012",
      "a/100",
      "a~10",
      "ab/1",
      "b/1",
      "b/01",
      "b/2",
      "b/02",
      "b/3",
      "b/03",
      "b1",
      "b01",
      "b3",
      "c2.10",
      "c10.2",
      "d1",
      "d7",
      "d7abc",
      "d12",
      "d12a",
    ];
    const shuffled = [...order].reverse();
    expect(shuffled.sort((a, b) => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0))).toEqual(order);
    const text = marshalGoYaml(Object.fromEntries(order.map((key) => [key, 1])));
    expect(text.split("\n")[0]).toBe('"": 1');
    expect(text.split("\n")[1]).toBe('".1": 1');
  });
});

describe("toYaml as Helm prints it", () => {
  const toYaml = (data: unknown): string => renderTemplateString("{{ toYaml . }}", data);
  const cases: [string, unknown, string][] = [
    [
      "templated strings take single quotes",
      { name: "{{ .Release.Name }}-extra" },
      "name: '{{ .Release.Name }}-extra'",
    ],
    ["a quote inside single quotes doubles", { a: "it's: x" }, "a: 'it''s: x'"],
    [
      "strings YAML 1.1 reads as other types take double quotes",
      { a: "yes", b: "on", c: "0755", d: "1e3", e: "~", f: "null" },
      'a: "yes"\nb: "on"\nc: "0755"\nd: "1e3"\ne: "~"\nf: "null"',
    ],
    ["a date string is quoted", { d: "2024-01-02" }, 'd: "2024-01-02"'],
    ["a tab forces double quotes with escapes", { t: "a\tb" }, 't: "a\\tb"'],
    ["a line ending in a space cannot be a literal block", { s: "one \ntwo" }, 's: "one \\ntwo"'],
    [
      "literal blocks keep, clip and strip",
      { a: "x\n", b: "x\ny", c: "x\n\n", d: " x\n" },
      "a: |\n  x\nb: |-\n  x\n  y\nc: |+\n  x\n\nd: |2\n   x",
    ],
    [
      "keys: letters after other characters, 'y' quoted",
      { b: 1, B: 1, _b: 1, y: 1, "key-10": 1, "key-9": 1 },
      '_b: 1\nB: 1\nb: 1\nkey-9: 1\nkey-10: 1\n"y": 1',
    ],
    ["floats in Go's %g", { big: 1234567.5, small: 0.000001, ok: 2.5 }, "big: 1.2345675e+06\nok: 2.5\nsmall: 1e-06"],
    [
      "int64 keeps its digits; the key n is a YAML 1.1 bool",
      { n: new GoInt("int64", 9007199254740993n) },
      '"n": 9007199254740993',
    ],
    [
      "a long description folds",
      { description: "A Helm chart for Kubernetes that deploys an application with a rather long description line" },
      "description: A Helm chart for Kubernetes that deploys an application with a rather\n  long description line",
    ],
    [
      "folding inside nested maps and lists continues under the item",
      { a: { b: ["one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"] } },
      "a:\n  b:\n  - one two three four five six seven eight nine ten eleven twelve thirteen fourteen\n    fifteen",
    ],
  ];
  for (const [name, data, want] of cases)
    it(name, () => {
      expect(toYaml(data)).toBe(want);
    });

  it("NaN cannot go through JSON: toYaml gives nothing", () => {
    expect(toYaml({ a: NaN })).toBe("");
  });
});
