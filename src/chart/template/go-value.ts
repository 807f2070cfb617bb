/**
 * How Go values are represented while a template runs. Values are plain data (YAML/JSON) plus:
 * a Go `int` is a `bigint` (a float64 from values files is a `number`, as Helm reads them), a Go
 * struct with fields and methods (`.Release`, `.Capabilities`, `.Files`) is a {@link GoStruct},
 * and a `time.Time` is a {@link GoTime}. `undefined` and `null` are both Go's nil interface.
 */

/** A function callable from a template: takes Go values, returns one (or throws). */
export type TemplateFunc = (...args: readonly unknown[]) => unknown;

/** A Go struct value: named fields, methods, and an optional `String()` method. */
export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly fields: Readonly<Record<string, unknown>>,
    readonly methods: Readonly<Record<string, TemplateFunc>> = {},
    readonly stringer?: () => string,
  ) {}
}

/** A Go `time.Time` (always UTC here, so output does not depend on the machine's zone). */
export class GoTime {
  constructor(readonly epochMs: number) {}
  get date(): Date {
    return new Date(this.epochMs);
  }
}

/** A plain object is a Go `map[string]interface{}`. */
export function isGoMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** Go's reflect kind names, as sprig's `kindOf` prints them. */
export function kindOf(value: unknown): string {
  if (isNil(value)) return "invalid";
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float64";
    case "function":
      return "func";
    default:
      if (Array.isArray(value)) return "slice";
      if (value instanceof Uint8Array) return "slice";
      if (isGoMap(value)) return "map";
      return "struct";
  }
}

/** Go type names, as sprig's `typeOf` and fmt's `%T` print them. */
export function typeOf(value: unknown): string {
  if (isNil(value)) return "<nil>";
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float64";
    case "function":
      return "func";
    default:
      if (Array.isArray(value)) return "[]interface {}";
      if (value instanceof Uint8Array) return "[]uint8";
      if (isGoMap(value)) return "map[string]interface {}";
      if (value instanceof GoTime) return "time.Time";
      if (value instanceof GoStruct) return value.typeName;
      return "interface {}";
  }
}

/** Go's template truthiness: false, 0, nil, and empty strings, lists and maps are false. */
export function isTrue(value: unknown): boolean {
  if (isNil(value)) return false;
  switch (typeof value) {
    case "boolean":
      return value;
    case "string":
      return value.length > 0;
    case "number":
      return value !== 0;
    case "bigint":
      return value !== 0n;
    default:
      if (Array.isArray(value)) return value.length > 0;
      if (value instanceof Uint8Array) return value.length > 0;
      if (isGoMap(value)) return Object.keys(value).length > 0;
      return true;
  }
}

/** Formats a float64 as Go's `%v` does (`strconv.FormatFloat(f, 'g', -1, 64)`: 1e+06, 0.5, 100000). */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "0", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  // Shortest form switches to an exponent below 1e-4 and from 1e+06 up, as strconv does.
  if (exponent < -4 || exponent >= 6) return goExponent(mantissa, exponent);
  return String(value);
}

function goExponent(mantissa: string, exponent: number): string {
  const sign = exponent < 0 ? "-" : "+";
  const digits = String(Math.abs(exponent)).padStart(2, "0");
  return `${mantissa}e${sign}${digits}`;
}

/** Go's `fmt` `%v` of a value (maps as `map[k:v]` in key order, lists as `[a b]`, nil as `<nil>`). */
export function formatValue(value: unknown): string {
  if (isNil(value)) return "<nil>";
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "number":
      return formatFloat(value);
    case "function":
      return "0x0";
    default:
      if (Array.isArray(value)) return `[${value.map(formatValue).join(" ")}]`;
      if (value instanceof Uint8Array) return `[${[...value].join(" ")}]`;
      if (isGoMap(value)) {
        const keys = Object.keys(value).sort();
        return `map[${keys.map((key) => `${key}:${formatValue(value[key])}`).join(" ")}]`;
      }
      if (value instanceof GoTime) return formatGoTime(value);
      if (value instanceof GoStruct) {
        if (value.stringer !== undefined) return value.stringer();
        return `{${Object.values(value.fields).map(formatValue).join(" ")}}`;
      }
      // Any other object prints as a struct of its fields, as Go's %v does.
      return typeof value === "symbol" ? value.toString() : `{${Object.values(value).map(formatValue).join(" ")}}`;
  }
}

/** How `{{ x }}` prints a value: as `%v`, except that nil prints as `<no value>`. */
export function formatForOutput(value: unknown): string {
  if (isNil(value)) return "<no value>";
  if (typeof value === "string") return value;
  return formatValue(value);
}

/** `time.Time`'s default `String()`: `2006-01-02 15:04:05.999999999 -0700 MST` (UTC here). */
export function formatGoTime(time: GoTime): string {
  const iso = time.date.toISOString();
  const millis = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${millis === "" ? "" : `.${millis}`} +0000 UTC`;
}

/** Sprig's `strval`/`toString`: strings as they are, everything else as `%v`. */
export function toGoString(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  return formatValue(value);
}

/** spf13/cast `ToInt64` as sprig uses it: numbers truncate, numeric strings parse, anything else is 0. */
export function toInt64(value: unknown): bigint {
  switch (typeof value) {
    case "bigint":
      return value;
    case "number":
      return Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
    case "boolean":
      return value ? 1n : 0n;
    case "string": {
      const text = value.trim();
      if (/^[+-]?\d+$/.test(text)) return BigInt(text);
      if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text))
        return BigInt(text.replace(/^([+-]?)0[xX]/, "$10x").replace(/^-0x/, "-0x"));
      const float = Number(text);
      return text !== "" && Number.isFinite(float) ? BigInt(Math.trunc(float)) : 0n;
    }
    default:
      return 0n;
  }
}

/** spf13/cast `ToFloat64`. */
export function toFloat64(value: unknown): number {
  switch (typeof value) {
    case "bigint":
      return Number(value);
    case "number":
      return value;
    case "boolean":
      return value ? 1 : 0;
    case "string": {
      const float = Number(value.trim());
      return value.trim() !== "" && Number.isFinite(float) ? float : 0;
    }
    default:
      return 0;
  }
}

/** A number argument as a JS integer (for lengths, counts and indexes). */
export function toIntNumber(value: unknown): number {
  return Number(toInt64(value));
}

/** Sprig's `empty`: nil, false, 0, "" and empty collections are empty; structs never are. */
export function isEmpty(value: unknown): boolean {
  return !isTrue(value);
}

/** A Go value turned into plain JSON-able data (ints become numbers) for toYaml/toJson. */
export function toPlainData(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(toPlainData);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof GoTime) return value.date.toISOString().replace(/\.000Z$/, "Z");
  if (value instanceof GoStruct) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value.fields)) out[key] = toPlainData(field);
    return out;
  }
  if (isGoMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = toPlainData(field);
    return out;
  }
  return value === undefined ? null : value;
}
