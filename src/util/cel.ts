import { isCelError, isCelList, isCelMap, isCelType, isCelUint, parse, run } from "@bufbuild/cel";
import { VelaError } from "../errors/index.js";
import { displayText, type JsonValue } from "./json.js";

/**
 * CEL (the Kubernetes expression language) over JSON data: `healthPolicy`, workflow `if`, `wait`
 * conditions. JSON integers are passed as CEL `int` (so `x + 1` and `a == b` work as users expect
 * from Kubernetes validation rules), other numbers as `double`.
 */

/** Thrown for a CEL expression that does not parse or fails to evaluate. */
export class CelExpressionError extends VelaError {
  constructor(expression: string, detail: string, hint?: string) {
    super("E_CEL", `CEL expression ${JSON.stringify(expression)}: ${detail}`, hint === undefined ? {} : { hint });
  }
}

function toCelInput(value: unknown): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelInput);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) if (member !== undefined) out[key] = toCelInput(member);
    return out;
  }
  return value;
}

function fromCelValue(value: unknown): JsonValue {
  if (typeof value === "bigint") return Number(value);
  if (isCelUint(value)) return Number(value.value);
  if (isCelList(value)) {
    const items: JsonValue[] = [];
    for (const item of value) items.push(fromCelValue(item));
    return items;
  }
  if (isCelMap(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [key, member] of value.entries()) out[displayText(fromCelValue(key))] = fromCelValue(member);
    return out;
  }
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (isCelType(value)) return value.toString();
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- timestamp and duration messages have no JSON form here yet; they keep this text
  return String(value);
}

/** Throws a {@link CelExpressionError} when the expression does not parse. */
export function checkCelSyntax(expression: string): void {
  try {
    parse(expression);
  } catch (error) {
    throw new CelExpressionError(
      expression,
      error instanceof Error ? error.message : String(error),
      "see https://cel.dev for the syntax",
    );
  }
}

/** Evaluates an expression against named JSON variables and returns the result as JSON. */
export function evaluateCel(expression: string, variables: Readonly<Record<string, unknown>>): JsonValue {
  checkCelSyntax(expression);
  const bindings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) bindings[name] = toCelInput(value);
  let result: unknown;
  try {
    result = run(expression, bindings as Parameters<typeof run>[1]);
  } catch (error) {
    throw new CelExpressionError(expression, error instanceof Error ? error.message : String(error));
  }
  if (isCelError(result))
    throw new CelExpressionError(
      expression,
      result.message,
      "use has(x.field) to test for a field that may be missing",
    );
  return fromCelValue(result);
}

/** Evaluates a condition; anything but boolean `true` is false. Errors propagate. */
export function evaluateCelCondition(expression: string, variables: Readonly<Record<string, unknown>>): boolean {
  return evaluateCel(expression, variables) === true;
}
