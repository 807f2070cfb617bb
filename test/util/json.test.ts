import { describe, expect, it } from "vitest";
import { cloneJson, type JsonObject } from "../../src/util/index.js";

describe("cloneJson", () => {
  it("copies deeply: the copy equals the input and shares no object with it, even where the input holds one twice", () => {
    const shared: JsonObject = { name: "x", tags: ["a", "b"] };
    const input: JsonObject = { first: shared, second: shared, list: [shared, 1, "two", true, null], empty: {} };
    const copy = cloneJson(input);
    expect(copy).toEqual(input);
    expect(copy.first).not.toBe(shared);
    expect(copy.second).not.toBe(copy.first);
    (copy.first as JsonObject).name = "changed";
    ((copy.second as JsonObject).tags as string[]).push("c");
    expect(shared).toEqual({ name: "x", tags: ["a", "b"] });
    expect((copy.second as JsonObject).name).toBe("x");
  });

  it("copies frozen input into a thawed copy, and keeps a __proto__ member a member", () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as JsonObject;
    const copy = cloneJson(Object.freeze(parsed));
    expect(Object.isFrozen(copy)).toBe(false);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(["__proto__", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("leaves out fields holding undefined, as JSON does", () => {
    const input = { a: 1, b: undefined } as unknown as JsonObject;
    expect(Object.keys(cloneJson(input))).toEqual(["a"]);
  });
});
