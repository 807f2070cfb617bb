import { celEnv, isCelError, isCelList, isCelMap, isCelType, isCelUint, parse, plan } from "@bufbuild/cel";
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
  const wellKnown = wellKnownText(value);
  if (wellKnown !== undefined) return wellKnown;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- no other CEL value reaches here from JSON input
  return String(value);
}

interface SecondsAndNanos {
  readonly $typeName: string;
  readonly seconds: bigint;
  readonly nanos: number;
}

function secondsAndNanosOf(value: unknown): SecondsAndNanos | undefined {
  if (value === null || typeof value !== "object" || !("message" in value)) return undefined;
  const message = value.message;
  if (message === null || typeof message !== "object") return undefined;
  const { $typeName, seconds, nanos } = message as Partial<SecondsAndNanos>;
  if (typeof $typeName !== "string" || typeof seconds !== "bigint" || typeof nanos !== "number") return undefined;
  return { $typeName, seconds, nanos };
}

/** Nanoseconds as a fraction with trailing zeros trimmed: `.5`, `.000001`, or nothing. */
function fractionOf(nanos: number): string {
  if (nanos === 0) return "";
  return `.${String(Math.abs(nanos)).padStart(9, "0").replace(/0+$/, "")}`;
}

/**
 * Timestamps and durations as CEL's `string()` gives them in Kubernetes (cel-go): a timestamp in
 * RFC 3339 with as many fractional digits as it has (Go's RFC3339Nano), a duration in seconds
 * with an `s` (`"90s"`, `"-1.5s"`).
 */
function wellKnownText(value: unknown): string | undefined {
  const parts = secondsAndNanosOf(value);
  if (parts === undefined) return undefined;
  if (parts.$typeName === "google.protobuf.Timestamp") {
    const whole = new Date(Number(parts.seconds) * 1000).toISOString().replace(/\.000Z$/, "");
    return `${whole}${fractionOf(parts.nanos)}Z`;
  }
  if (parts.$typeName === "google.protobuf.Duration") {
    const negative = parts.seconds < 0n || parts.nanos < 0;
    const seconds = parts.seconds < 0n ? -parts.seconds : parts.seconds;
    return `${negative ? "-" : ""}${String(seconds)}${fractionOf(parts.nanos)}s`;
  }
  return undefined;
}

/**
 * Bounds on CEL evaluation, like the Kubernetes API server's for validation rules: a cost limit
 * (each expression node visited costs 1; a comprehension — `all`, `exists`, `map`, `filter` —
 * costs its body once per element of what it iterates), checked *before* evaluating against the
 * actual sizes of the data, so no expression runs long; and caps on expression length and nesting
 * (the parser is recursive).
 */
export const CEL_LIMITS = { cost: 1_000_000, length: 16_384, nesting: 100 } as const;

type ParsedCel = ReturnType<typeof parse>;
type CelExpr = NonNullable<ParsedCel["expr"]>;

function syntaxError(expression: string, detail: string): CelExpressionError {
  return new CelExpressionError(expression, detail, "see https://cel.dev for the syntax");
}

/** The deepest nesting of brackets outside string literals. */
function nestingOf(expression: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: string | undefined;
  for (let index = 0; index < expression.length; index++) {
    const char = expression[index];
    if (quote !== undefined) {
      if (char === "\\") index++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === "(" || char === "[" || char === "{") deepest = Math.max(deepest, ++depth);
    else if (char === ")" || char === "]" || char === "}") depth--;
  }
  return deepest;
}

function parseChecked(expression: string): ParsedCel {
  if (expression.length > CEL_LIMITS.length)
    throw syntaxError(expression.slice(0, 80), `longer than ${CEL_LIMITS.length} characters`);
  if (nestingOf(expression) > CEL_LIMITS.nesting)
    throw syntaxError(expression.slice(0, 80), `nested more than ${CEL_LIMITS.nesting} levels deep`);
  try {
    return parse(expression);
  } catch (error) {
    throw syntaxError(expression, error instanceof Error ? error.message : String(error));
  }
}

/** Throws a {@link CelExpressionError} when the expression does not parse (or is too long or deep). */
export function checkCelSyntax(expression: string): void {
  parseChecked(expression);
}

/** The size of a JSON value as CEL iterates it: elements of a list, keys of a map. */
function collectionSize(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === "object") return Object.keys(value).length;
  return 1;
}

/** The largest list or map anywhere in the data: what an iteration over unknown data can reach. */
function largestCollection(value: unknown): number {
  let largest = 1;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current !== "object") continue;
    const members = Array.isArray(current) ? current : Object.values(current);
    largest = Math.max(largest, members.length);
    for (const member of members) if (member !== null && typeof member === "object") stack.push(member);
  }
  return largest;
}

interface CostContext {
  readonly variables: Readonly<Record<string, unknown>>;
  /** Bound for a collection whose size is not known before evaluation. */
  readonly unknownSize: number;
}

/** The value a chain of field selections on a variable reaches, if it is one. */
function selectedValue(expr: CelExpr, context: CostContext): { readonly found: boolean; readonly value?: unknown } {
  const kind = expr.exprKind;
  if (kind.case === "identExpr")
    return Object.hasOwn(context.variables, kind.value.name)
      ? { found: true, value: context.variables[kind.value.name] }
      : { found: false };
  if (kind.case === "selectExpr" && kind.value.operand !== undefined && !kind.value.testOnly) {
    const operand = selectedValue(kind.value.operand, context);
    if (!operand.found) return operand;
    const parent = operand.value;
    if (parent === null || typeof parent !== "object" || Array.isArray(parent))
      return { found: true, value: undefined };
    return { found: true, value: (parent as Record<string, unknown>)[kind.value.field] };
  }
  return { found: false };
}

/** An upper bound of how many elements iterating `expr`'s value visits. */
function sizeBound(expr: CelExpr | undefined, context: CostContext): number {
  if (expr === undefined) return 0;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "listExpr":
      return kind.value.elements.length;
    case "structExpr":
      return kind.value.entries.length;
    case "constExpr":
      return 1;
    case "comprehensionExpr": {
      // map/filter build a list no longer than their range; all/exists/exists_one give one value.
      const builds = kind.value.accuInit?.exprKind.case === "listExpr";
      return builds ? sizeBound(kind.value.iterRange, context) : 1;
    }
    case "callExpr": {
      const { function: name, args } = kind.value;
      if (name === "_+_") return args.reduce((sum, arg) => sum + sizeBound(arg, context), 0);
      if (name === "_?_:_") return Math.max(sizeBound(args[1], context), sizeBound(args[2], context));
      return context.unknownSize;
    }
    default: {
      const selected = selectedValue(expr, context);
      return selected.found ? collectionSize(selected.value) : context.unknownSize;
    }
  }
}

/** An upper bound of the nodes evaluating `expr` visits (comprehension bodies once per element). */
function costBound(expr: CelExpr | undefined, context: CostContext): number {
  if (expr === undefined) return 0;
  const kind = expr.exprKind;
  switch (kind.case) {
    case "selectExpr":
      return 1 + costBound(kind.value.operand, context);
    case "callExpr":
      return kind.value.args.reduce(
        (sum, arg) => sum + costBound(arg, context),
        1 + costBound(kind.value.target, context),
      );
    case "listExpr":
      return kind.value.elements.reduce((sum, element) => sum + costBound(element, context), 1);
    case "structExpr":
      return kind.value.entries.reduce(
        (sum, entry) =>
          sum +
          costBound(entry.value, context) +
          (entry.keyKind.case === "mapKey" ? costBound(entry.keyKind.value, context) : 0),
        1,
      );
    case "comprehensionExpr": {
      const { iterRange, accuInit, loopCondition, loopStep, result } = kind.value;
      const elements = sizeBound(iterRange, context);
      const body = costBound(loopCondition, context) + costBound(loopStep, context);
      return (
        1 + costBound(iterRange, context) + costBound(accuInit, context) + elements * body + costBound(result, context)
      );
    }
    default:
      return 1;
  }
}

/**
 * The cost bound of an expression over these variables (see {@link CEL_LIMITS}); throws a
 * {@link CelExpressionError} when it exceeds the limit.
 */
export function checkCelCost(expression: string, variables: Readonly<Record<string, unknown>>): number {
  const parsed = parseChecked(expression);
  return costOf(expression, parsed, variables);
}

function costOf(expression: string, parsed: ParsedCel, variables: Readonly<Record<string, unknown>>): number {
  const cost = costBound(parsed.expr, { variables, unknownSize: largestCollection(variables) });
  if (cost > CEL_LIMITS.cost) {
    throw new CelExpressionError(
      expression.length > 200 ? `${expression.slice(0, 200)}…` : expression,
      `its cost bound ${cost > 1e15 ? cost.toExponential(1) : cost} exceeds the limit of ${CEL_LIMITS.cost}`,
      "nested all/exists/map/filter multiply: iterate over less, or nest less",
    );
  }
  return cost;
}

/** Evaluates an expression against named JSON variables and returns the result as JSON. */
export function evaluateCel(expression: string, variables: Readonly<Record<string, unknown>>): JsonValue {
  const parsed = parseChecked(expression);
  costOf(expression, parsed, variables);
  const bindings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) bindings[name] = toCelInput(value);
  let result: unknown;
  try {
    result = plan(celEnv(), parsed)(bindings as Parameters<ReturnType<typeof plan>>[0]);
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
