/**
 * One of each thing: trait patches and the sandbox API merge Kubernetes lists by the same key
 * table, and every RFC 7386 merge patch goes through one implementation.
 */
import { describe, expect, it } from "vitest";
import { strategicMerge } from "../../src/cluster/sandbox/server/index.js";
import { STRATEGIC_MERGE_KEYS } from "../../src/model/index.js";
import { mergePatch } from "../../src/render/patch.js";
import { unifiedDiff } from "../../src/revision/index.js";
import { applyMergePatch, mergePatchBetween, type JsonObject, type JsonValue } from "../../src/util/index.js";

describe("one strategic-merge key table", () => {
  const keyed = Object.entries(STRATEGIC_MERGE_KEYS).filter(([, keys]) => keys.length > 0);

  it.each(keyed)("%s: a trait patch and a strategic merge patch merge the same item by its key", (field, keys) => {
    const key = keys[0] ?? "";
    const target: JsonObject = {
      [field]: [
        { [key]: "a", before: "kept" },
        { [key]: "b", value: "old" },
      ],
    };
    const patch: JsonObject = { [field]: [{ [key]: "b", value: "new" }, { [key]: "c" }] };
    const expected: JsonValue = {
      [field]: [{ [key]: "a", before: "kept" }, { [key]: "b", value: "new" }, { [key]: "c" }],
    };
    expect(mergePatch(target, patch)).toEqual(expected);
    expect(strategicMerge(target, patch)).toEqual(expected);
  });

  it("keys hostAliases by ip, which trait patches used to replace wholesale", () => {
    const pod: JsonObject = { hostAliases: [{ ip: "10.0.0.1", hostnames: ["a"] }] };
    const patched = mergePatch(pod, { hostAliases: [{ ip: "10.0.0.2", hostnames: ["b"] }] });
    expect(patched).toEqual({
      hostAliases: [
        { ip: "10.0.0.1", hostnames: ["a"] },
        { ip: "10.0.0.2", hostnames: ["b"] },
      ],
    });
  });

  it("keys ports on containerPort in a container and on port in a Service, in both", () => {
    const container: JsonObject = { ports: [{ containerPort: 80, name: "http" }] };
    const service: JsonObject = { ports: [{ port: 80, targetPort: 8080 }] };
    for (const merge of [mergePatch, strategicMerge]) {
      expect(merge(container, { ports: [{ containerPort: 80, protocol: "TCP" }] })).toEqual({
        ports: [{ containerPort: 80, name: "http", protocol: "TCP" }],
      });
      expect(merge(service, { ports: [{ port: 80, targetPort: 9090 }] })).toEqual({
        ports: [{ port: 80, targetPort: 9090 }],
      });
    }
  });
});

describe("one RFC 7386 merge patch", () => {
  // RFC 7386 Appendix A.
  const cases: readonly [JsonValue, JsonValue, JsonValue][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];

  it.each(cases)("%j patched with %j is %j, and neither input changes", (target, patch, expected) => {
    const before = structuredClone([target, patch]);
    expect(applyMergePatch(target, patch)).toEqual(expected);
    expect([target, patch]).toEqual(before);
  });

  it("makes the patch between two objects, which turns one into the other", () => {
    const before: JsonObject = { a: 1, b: { c: [1, 2], d: "x" }, gone: true };
    const after: JsonObject = { a: 1, b: { c: [1, 3], d: "x" }, added: { e: null } };
    const patch = mergePatchBetween(before, after);
    expect(patch).toEqual({ b: { c: [1, 3] }, gone: null, added: { e: null } });
    expect(mergePatchBetween(after, after)).toEqual({});
  });
});

describe("revision diffs through jsdiff", () => {
  it("hunks a large text's few changes with three lines of context, and handles a missing last newline", () => {
    const before = Array.from({ length: 6000 }, (_, index) => `line ${index}`);
    const after = before.map((line, index) => (index === 2500 ? "changed" : line));
    const diff = unifiedDiff(`${before.join("\n")}\n`, `${after.join("\n")}\n`, { before: "a-v1", after: "a-v2" });
    expect(diff).toBe(
      [
        "--- a-v1",
        "+++ a-v2",
        "@@ -2498,7 +2498,7 @@",
        " line 2497",
        " line 2498",
        " line 2499",
        "-line 2500",
        "+changed",
        " line 2501",
        " line 2502",
        " line 2503",
        "",
      ].join("\n"),
    );
    expect(unifiedDiff("a\nb", "a\nb\nc", { before: "x", after: "y" })).toBe(
      "--- x\n+++ y\n@@ -1,2 +1,3 @@\n a\n b\n+c\n",
    );
  });
});
