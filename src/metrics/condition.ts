import { VelaError } from "../errors/index.js";
import { checkCelSyntax, evaluateCelCondition } from "../util/index.js";

/**
 * Argo Rollouts writes metric conditions in expr (`result >= 0.99`, `result[0] < 0.5`,
 * `len(result) > 0`); vela-ts evaluates them as CEL, which reads the same for comparisons, `&&`,
 * `||`, `!` and indexing. `len(x)` is taken as CEL's `size(x)`.
 */
function toCel(expression: string): string {
  return expression.replace(/\blen\(/g, "size(");
}

/** Checks a condition's syntax up front (before anything is written), as a `E_METRIC_INVALID` error. */
export function checkMetricCondition(expression: string, where: string): void {
  try {
    checkCelSyntax(toCel(expression));
  } catch (error) {
    throw new VelaError("E_METRIC_INVALID", `${where}: condition ${JSON.stringify(expression)} does not read`, {
      hint: "write a comparison over result, e.g. result >= 0.99 or result[0] < 0.05",
      ...(error instanceof Error ? { cause: error } : {}),
    });
  }
}

/** Whether `expression` holds for `result`; an expression that cannot be evaluated is an error. */
export function evaluateMetricCondition(expression: string, result: number | readonly number[]): boolean {
  return evaluateCelCondition(toCel(expression), { result });
}
