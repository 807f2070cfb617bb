import { describe, expect, it } from "vitest";
import { CEL_LIMITS, CelExpressionError, checkCelCost, evaluateCel, evaluateCelCondition } from "../../src/util/cel.js";

describe("evaluateCel", () => {
  it.each([
    {
      name: "integer equality across fields",
      expression: "output.status.readyReplicas == output.spec.replicas",
      vars: { output: { status: { readyReplicas: 5 }, spec: { replicas: 5 } } },
      want: true,
    },
    { name: "int arithmetic", expression: "x + 1", vars: { x: 2 }, want: 3 },
    {
      name: "has() on a missing field",
      expression: "has(output.status.foo)",
      vars: { output: { status: {} } },
      want: false,
    },
    {
      name: "string compare on step status",
      expression: "status.deploy.phase == 'succeeded'",
      vars: { status: { deploy: { phase: "succeeded" } } },
      want: true,
    },
    { name: "maps and lists come back as JSON", expression: "{'a': [1, 2.5]}", vars: {}, want: { a: [1, 2.5] } },
    {
      name: "timestamps come back in RFC 3339 with their fraction",
      expression: "timestamp('2026-01-01T00:00:01.5Z') + duration('1h')",
      vars: {},
      want: "2026-01-01T01:00:01.5Z",
    },
    {
      name: "a whole-second timestamp has no fraction",
      expression: "timestamp('2026-03-04T05:06:07Z')",
      vars: {},
      want: "2026-03-04T05:06:07Z",
    },
    {
      name: "durations come back in seconds",
      expression: "[duration('90s'), duration('-1.25s'), duration('1ms')]",
      vars: {},
      want: ["90s", "-1.25s", "0.001s"],
    },
  ])("$name", ({ expression, vars, want }) => {
    expect(evaluateCel(expression, vars)).toEqual(want);
  });

  it("reports a syntax error with code E_CEL", () => {
    expect(() => evaluateCel("a ==", {})).toThrow(CelExpressionError);
  });

  it("reports a missing field as an error with a hint", () => {
    try {
      evaluateCel("output.status.foo == 1", { output: { status: {} } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CelExpressionError);
      expect((error as CelExpressionError).hint).toContain("has(");
    }
  });

  it("treats non-true results as false in conditions", () => {
    expect(evaluateCelCondition("1", {})).toBe(false);
    expect(evaluateCelCondition("true", {})).toBe(true);
  });
});

describe("CEL evaluation is bounded", () => {
  const ten = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
  const nested = (depth: number): string => {
    let body = "true";
    for (let level = depth; level > 0; level--) body = `${ten}.all(x${level}, ${body})`;
    return body;
  };

  it("nested comprehensions over ten elements: five levels run, seven are refused before running", () => {
    expect(evaluateCel(nested(5), {})).toBe(true);
    const started = Date.now();
    expect(() => evaluateCel(nested(7), {})).toThrow(/its cost bound \d+ exceeds the limit of 1000000/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(checkCelCost(nested(3), {})).toBeLessThan(CEL_LIMITS.cost);
  });

  it("the bound uses the real size of the data it iterates", () => {
    const items = Array.from({ length: 2000 }, (_, index) => index);
    expect(evaluateCel("items.all(a, a >= 0)", { items })).toBe(true);
    expect(() => evaluateCel("items.all(a, items.all(b, a + b >= 0))", { items })).toThrow(/exceeds the limit/);
  });

  it("refuses an expression nested too deep for the parser, or too long", () => {
    expect(() => evaluateCel(`${"(".repeat(5000)}1${")".repeat(5000)}`, {})).toThrow(/nested more than 100 levels/);
    expect(() => evaluateCel(`'${"a".repeat(20_000)}' == ''`, {})).toThrow(/longer than 16384 characters/);
  });
});
