import { describe, expect, it } from "vitest";
import { CelExpressionError, evaluateCel, evaluateCelCondition } from "../../src/util/cel.js";

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
