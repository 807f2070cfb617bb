/**
 * spf13/cast's `ToInt64` and `ToFloat64`, the conversions sprig applies to the arguments of its
 * arithmetic (`add`, `int64`, `mulf`…) and of `slice`: strings parse as Go's
 * `strconv.ParseInt(s, 0, 64)` does (`"0x1F"`, `"010"` octal), anything unconvertible is 0.
 */
import { GoInt } from "./go-value.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A Go integer literal as `strconv.ParseInt(s, 0, 64)` reads it, undefined outside int64. */
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
