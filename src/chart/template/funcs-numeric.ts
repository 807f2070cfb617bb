/**
 * Sprig's arithmetic and conversions (`numeric.go`, spf13/cast): integer math returns `int64`,
 * the `…f` functions compute in decimal (shopspring/decimal) so `mulf 1.1 3` is 3.3, and
 * conversions parse strings as Go's `strconv.ParseInt(s, 0, 64)` does (`"0x1F"`, `"010"` octal).
 */
import { GoTemplateError } from "../errors.js";
import { fn, vfn, type GoFunc } from "./go-func.js";
import { castToFloat64, castToInt64 } from "./go-cast.js";
import { formatValue, GoInt, int64, isNil, toGoString } from "./go-value.js";

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
