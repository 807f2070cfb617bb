import { describe, expect, it } from "vitest";
import { createAjv } from "../../src/model/ajv.js";
import { compileLinearRegExp, PatternError } from "../../src/util/re2.js";

describe("linear-time patterns (RE2 semantics)", () => {
  it("a catastrophic backtracking pattern matches in linear time", () => {
    const evil = compileLinearRegExp("^(a+)+$");
    const started = Date.now();
    expect(evil.test(`${"a".repeat(100_000)}!`)).toBe(false);
    expect(evil.test("a".repeat(100_000))).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("JSON Schema `pattern` uses it: a ReDoS pattern in a schema cannot hang validation", () => {
    const validate = createAjv().compile({ type: "string", pattern: "^(a|aa)+$" });
    const started = Date.now();
    expect(validate(`${"a".repeat(50_000)}b`)).toBe(false);
    expect(validate("aaaa")).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("each pattern of a schema keeps its own meaning", () => {
    const validate = createAjv().compile({
      type: "object",
      properties: { a: { type: "string", pattern: "^x+$" }, b: { type: "string", pattern: "^y+$" } },
    });
    expect(validate({ a: "xx", b: "yy" })).toBe(true);
    expect(validate({ a: "yy", b: "xx" })).toBe(false);
  });

  it("refuses what RE2 does not have (backreferences, lookahead) with a clear error", () => {
    expect(() => compileLinearRegExp("(a)\\1")).toThrow(PatternError);
    expect(() => compileLinearRegExp("a(?=b)")).toThrow(/RE2 syntax|invalid/);
  });
});
