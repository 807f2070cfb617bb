/**
 * Sprig's arithmetic and conversions (`numeric.go`, spf13/cast): integer math returns `int64`,
 * the `…f` functions compute in decimal (shopspring/decimal) so `mulf 1.1 3` is 3.3, and
 * conversions parse strings as Go's `strconv.ParseInt(s, 0, 64)` does (`"0x1F"`, `"010"` octal).
 */
import { GoTemplateError } from "../errors.js";
import { fn, vfn, type GoFunc } from "./go-func.js";
import { formatValue, GoInt, int64, isNil, toGoString } from "./go-value.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function parseGoInt(text: string): bigint | undefined {
  const cleaned = text.replaceAll("_", "");
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9]\d*|0)$/.exec(cleaned);
  if (match === null) return undefined;
  const sign = match[1] === "-" ? -1n : 1n;
  let digits = match[2] ?? "0";
  if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  const value = sign * BigInt(digits.replace(/^0O/, "0o").replace(/^0X/, "0x").replace(/^0B/, "0b"));
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/** spf13/cast `ToInt64` as sprig's `int64`/`add`/`toInt64` use it (anything unconvertible is 0). */
export function castToInt64(value: unknown): bigint {
  if (value instanceof GoInt) return value.value;
  switch (typeof value) {
    case "bigint":
      return value;
    case "number":
      return Number.isFinite(value) ? BigInt.asIntN(64, BigInt(Math.trunc(value))) : INT64_MIN;
    case "boolean":
      return value ? 1n : 0n;
    case "string": {
      const trimmed = /^[+-]?\d+\.0*$/.test(value) ? value.replace(/\.0*$/, "") : value;
      return parseGoInt(trimmed) ?? 0n;
    }
    default:
      return 0n;
  }
}

/** spf13/cast `ToFloat64`. */
export function castToFloat64(value: unknown): number {
  if (value instanceof GoInt) return Number(value.value);
  switch (typeof value) {
    case "bigint":
      return Number(value);
    case "number":
      return value;
    case "boolean":
      return value ? 1 : 0;
    case "string": {
      const text = value.replaceAll("_", "");
      if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|[Ii]nf(inity)?|NaN)$/.test(text)) {
        const integer = parseGoInt(text);
        return integer === undefined ? 0 : Number(integer);
      }
      if (/inf/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
      return Number(text);
    }
    default:
      return 0;
  }
}

/** An exact decimal `mantissa × 10^exponent`, as shopspring/decimal keeps numbers. */
interface Decimal {
  readonly mantissa: bigint;
  readonly exponent: number;
}

function decimalOf(value: number): Decimal {
  if (!Number.isFinite(value)) throw new GoTemplateError(`Cannot create a Decimal from ${formatValue(value)}`);
  const [digits = "0", exp = "0"] = value.toExponential().split("e");
  const [whole = "0", fraction = ""] = digits.split(".");
  return { mantissa: BigInt(whole + fraction), exponent: Number(exp) - fraction.length };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exponent = Math.min(a.exponent, b.exponent);
  return [
    a.mantissa * 10n ** BigInt(a.exponent - exponent),
    b.mantissa * 10n ** BigInt(b.exponent - exponent),
    exponent,
  ];
}

const DIVISION_PRECISION = 16;

function decimalOp(op: "add" | "sub" | "mul" | "div", a: Decimal, b: Decimal): Decimal {
  switch (op) {
    case "add":
    case "sub": {
      const [x, y, exponent] = align(a, b);
      return { mantissa: op === "add" ? x + y : x - y, exponent };
    }
    case "mul":
      return { mantissa: a.mantissa * b.mantissa, exponent: a.exponent + b.exponent };
    case "div": {
      if (b.mantissa === 0n) throw new GoTemplateError("decimal division by 0");
      // Rounded half away from zero to 16 places, as shopspring's Div (DivRound with DivisionPrecision).
      const scale = DIVISION_PRECISION + 1;
      const shift = scale + a.exponent - b.exponent;
      const numerator = shift >= 0 ? a.mantissa * 10n ** BigInt(shift) : a.mantissa / 10n ** BigInt(-shift);
      const quotient = numerator / b.mantissa;
      const rounded = (quotient + (quotient < 0n ? -5n : 5n)) / 10n;
      return { mantissa: rounded, exponent: -DIVISION_PRECISION };
    }
  }
}

function decimalToFloat(d: Decimal): number {
  return Number(`${d.mantissa}e${d.exponent}`);
}

function decimalFold(first: unknown, rest: readonly unknown[], op: "add" | "sub" | "mul" | "div"): number {
  let acc = decimalOf(castToFloat64(first));
  for (const value of rest) acc = decimalOp(op, acc, decimalOf(castToFloat64(value)));
  return decimalToFloat(acc);
}

function integerDivision(a: bigint, b: bigint, remainder: boolean): GoInt {
  if (b === 0n) throw new GoTemplateError("runtime error: integer divide by zero");
  return int64(remainder ? a % b : a / b);
}

/** Sprig's `round`: `roundOn` decides at which fraction a value rounds up (math.Modf semantics). */
function round(value: number, places: number, roundOn: number): number {
  const pow = 10 ** places;
  const digit = pow * value;
  const fraction = digit - Math.trunc(digit);
  const rounded = fraction >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return rounded / pow;
}

function toDecimal(value: unknown): GoInt {
  const text = toGoString(value);
  return int64(
    /^[+-]?[0-7]+$/.test(text)
      ? BigInt.asIntN(64, BigInt(`0o${text.replace(/^[+-]/, "")}`)) * (text.startsWith("-") ? -1n : 1n)
      : 0n,
  );
}

/** Sprig's numeric functions (no randomness: `randInt` lives with the clock functions). */
export const NUMERIC_FUNCTIONS: Readonly<Record<string, GoFunc>> = {
  add1: fn(["any"], (value) => int64(castToInt64(value) + 1n)),
  add: vfn([], "any", (...values) => int64(values.reduce<bigint>((sum, value) => sum + castToInt64(value), 0n))),
  sub: fn(["any", "any"], (a, b) => int64(castToInt64(a) - castToInt64(b))),
  div: fn(["any", "any"], (a, b) => integerDivision(castToInt64(a), castToInt64(b), false)),
  mod: fn(["any", "any"], (a, b) => integerDivision(castToInt64(a), castToInt64(b), true)),
  mul: vfn(["any"], "any", (first, ...rest) =>
    int64(rest.reduce<bigint>((product, value) => product * castToInt64(value), castToInt64(first))),
  ),
  max: vfn(["any"], "any", (first, ...rest) =>
    int64(rest.map(castToInt64).reduce((m, v) => (v > m ? v : m), castToInt64(first))),
  ),
  biggest: vfn(["any"], "any", (first, ...rest) =>
    int64(rest.map(castToInt64).reduce((m, v) => (v > m ? v : m), castToInt64(first))),
  ),
  min: vfn(["any"], "any", (first, ...rest) =>
    int64(rest.map(castToInt64).reduce((m, v) => (v < m ? v : m), castToInt64(first))),
  ),
  add1f: fn(["any"], (value) => decimalFold(value, [1], "add")),
  addf: vfn([], "any", (...values) => decimalFold(0, values, "add")),
  subf: vfn(["any"], "any", (first, ...rest) => decimalFold(first, rest, "sub")),
  mulf: vfn(["any"], "any", (first, ...rest) => decimalFold(first, rest, "mul")),
  divf: vfn(["any"], "any", (first, ...rest) => decimalFold(first, rest, "div")),
  maxf: vfn(["any"], "any", (first, ...rest) => Math.max(castToFloat64(first), ...rest.map(castToFloat64))),
  minf: vfn(["any"], "any", (first, ...rest) => Math.min(castToFloat64(first), ...rest.map(castToFloat64))),
  floor: fn(["any"], (value) => Math.floor(castToFloat64(value))),
  ceil: fn(["any"], (value) => Math.ceil(castToFloat64(value))),
  round: vfn(["any", "int"], "float64", (value, places, ...roundOn) =>
    round(castToFloat64(value), Number(places), roundOn[0] ?? 0.5),
  ),
  int: fn(["any"], (value) => BigInt.asIntN(64, castToInt64(value))),
  int64: fn(["any"], (value) => int64(castToInt64(value))),
  float64: fn(["any"], (value) => castToFloat64(value)),
  atoi: fn(["string"], (text) => (/^[+-]?\d+$/.test(text) ? BigInt.asIntN(64, BigInt(text)) : 0n)),
  toDecimal: fn(["any"], (value) => (isNil(value) ? int64(0n) : toDecimal(value))),
};
