/**
 * How Go values are represented while a template runs. Values are plain data (YAML/JSON) plus:
 * a Go `int` is a `bigint` (a float64 from values files is a `number`, as Helm reads them), other
 * integer types (`int64` from sprig's arithmetic and `--set`, `uint8` bytes) are {@link GoInt}, a Go
 * struct with fields and methods (`.Release`, `.Capabilities`, `.Files`) is a {@link GoStruct},
 * and a `time.Time` is a {@link GoTime}.
 *
 * Go tells apart "no value" (an invalid `reflect.Value`, what a pipeline yields for nil) from a nil
 * `interface{}` found in a map; so do we: `undefined` is the first, `null` the second. The
 * difference is observable: `(.a).b` on a missing `a` is `<no value>`, `.a.b` is an error.
 */

/** A function callable from a template: takes Go values, returns one (or throws). */
export type TemplateFunc = (...args: readonly unknown[]) => unknown;

/** Go integer types other than `int` that template values can have. */
export type GoIntType = "int64" | "int32" | "uint8" | "uint32" | "uint" | "uint64";

/** A Go integer of a type other than `int` (which is a plain `bigint`). */
export class GoInt {
  constructor(
    readonly type: GoIntType,
    readonly value: bigint,
  ) {}

  /** As JSON: the number (values holding `--set` integers can be serialised). */
  toJSON(): number {
    return Number(this.value);
  }
}

/** An `int64`, as sprig's arithmetic returns and Helm's `--set` parses integers. */
export function int64(value: bigint): GoInt {
  return new GoInt("int64", BigInt.asIntN(64, value));
}

/** The integer inside an `int` or any other Go integer type, or `undefined` for non-integers. */
export function integerValue(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (value instanceof GoInt) return value.value;
  return undefined;
}

const GO_TYPE: unique symbol = Symbol("goType");
const GO_METHODS: unique symbol = Symbol("goMethods");

/**
 * Gives a map value Go methods (Helm's `.Files` is a `map[string][]byte` with `Get`, `Glob`, …): it
 * still ranges, measures and indexes as a map, and `.Get "x"` calls the method.
 */
export function withGoMethods<T extends Record<string, unknown>>(
  map: T,
  type: string,
  methods: Readonly<Record<string, TemplateFunc | GoFuncLike>>,
): T {
  withGoType(map, type);
  Object.defineProperty(map, GO_METHODS, { value: methods, enumerable: false });
  return map;
}

/** The methods of a map made by {@link withGoMethods}. */
export function goMethodsOf(value: object): Readonly<Record<string, TemplateFunc | GoFuncLike>> | undefined {
  return (value as { [GO_METHODS]?: Readonly<Record<string, TemplateFunc | GoFuncLike>> })[GO_METHODS];
}

/**
 * Marks a list or map with its Go type (`[]string`, `[]int`, `map[string]string`) where it is not
 * `[]interface {}` / `map[string]interface {}`, so `typeOf` and argument checks see what Go sees.
 */
export function withGoType<T extends object>(value: T, type: string): T {
  Object.defineProperty(value, GO_TYPE, { value: type, enumerable: false });
  return value;
}

function taggedType(value: object): string | undefined {
  return (value as { [GO_TYPE]?: string })[GO_TYPE];
}

/** A method declared with Go parameter types (see `go-func.ts`). */
export interface GoFuncLike {
  readonly params: readonly string[];
  readonly variadic?: string;
  readonly call: (...args: never[]) => unknown;
}

/** A Go struct value: named fields, methods, and an optional `String()` method. */
export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly fields: Readonly<Record<string, unknown>>,
    readonly methods: Readonly<Record<string, TemplateFunc | GoFuncLike>> = {},
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

/** The Go kind and type name of a scalar JavaScript value (`kindOf` and `typeOf` agree on these). */
const SCALAR_GO_TYPES: Readonly<Partial<Record<string, string>>> = {
  string: "string",
  boolean: "bool",
  bigint: "int",
  number: "float64",
  function: "func",
};

/** Go's reflect kind names, as sprig's `kindOf` prints them. */
export function kindOf(value: unknown): string {
  if (isNil(value)) return "invalid";
  const scalar = SCALAR_GO_TYPES[typeof value];
  if (scalar !== undefined) return scalar;
  if (value instanceof GoInt) return value.type;
  if (Array.isArray(value)) return "slice";
  if (value instanceof Uint8Array) return "slice";
  if (isGoMap(value)) return "map";
  return "struct";
}

/** Go type names, as sprig's `typeOf` and fmt's `%T` print them. */
export function typeOf(value: unknown): string {
  if (isNil(value)) return "<nil>";
  const scalar = SCALAR_GO_TYPES[typeof value];
  if (scalar !== undefined) return scalar;
  if (value instanceof GoInt) return value.type;
  if (Array.isArray(value)) return taggedType(value) ?? "[]interface {}";
  if (value instanceof Uint8Array) return "[]uint8";
  if (isGoMap(value)) return taggedType(value) ?? "map[string]interface {}";
  if (value instanceof GoTime) return "time.Time";
  if (value instanceof GoStruct) return value.typeName;
  return "interface {}";
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
      if (value instanceof GoInt) return value.value !== 0n;
      if (Array.isArray(value)) return value.length > 0;
      if (value instanceof Uint8Array) return value.length > 0;
      if (isGoMap(value)) {
        for (const key in value) if (Object.hasOwn(value, key)) return true;
        return false;
      }
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
      if (value instanceof GoInt) return value.value.toString();
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
      return Object.prototype.toString.call(value);
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

/** Text of a YAML scalar (numbers and booleans as JSON writes them; anything else as JSON). */
export function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value) ?? "";
}

/** Sprig's `strval`/`toString`: strings as they are, everything else as `%v`. */
export function toGoString(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  return formatValue(value);
}

/** Sprig's `empty`: nil, false, 0, "" and empty collections are empty; structs never are. */
export function isEmpty(value: unknown): boolean {
  return !isTrue(value);
}

/** Thrown when data refers to itself (`set $d "self" $d`), which Go's encoders refuse too. */
export class CyclicValueError extends Error {
  constructor(type: string) {
    super(`json: unsupported value: encountered a cycle via ${type}`);
  }
}

/** A Go value turned into plain JSON-able data (ints become numbers) for toYaml/toJson. */
export function toPlainData(value: unknown, options: { readonly keepIntegers?: boolean } = {}): unknown {
  return plain(value, new Set(), options.keepIntegers === true);
}

function plain(value: unknown, ancestors: Set<object>, keepIntegers: boolean): unknown {
  if (typeof value !== "object" || value === null) {
    if (typeof value === "bigint") return keepIntegers ? value : Number(value);
    return value === undefined ? null : value;
  }
  if (value instanceof GoInt) return keepIntegers ? value.value : Number(value.value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof GoTime) return value.date.toISOString().replace(/\.000Z$/, "Z");
  if (ancestors.has(value)) throw new CyclicValueError(typeOf(value));
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => plain(item, ancestors, keepIntegers));
    const out: Record<string, unknown> = {};
    const source = value instanceof GoStruct ? value.fields : (value as Record<string, unknown>);
    for (const [key, field] of Object.entries(source))
      if (field !== undefined) out[key] = plain(field, ancestors, keepIntegers);
    return out;
  } finally {
    ancestors.delete(value);
  }
}
