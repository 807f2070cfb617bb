/**
 * CUE's standard library functions vela-ts definitions use (strings, list, math, strconv, regexp,
 * encoding/json, encoding/yaml, encoding/base64, net, time…), each as Go's CUE implements it. Long
 * because it is a table of many small functions; each package's group is short.
 */
import { Document, visit, type Scalar as YamlScalar } from "yaml";
import { parseBoundedYamlValues, type JsonValue } from "../util/index.js";
import { isBottomValue } from "./evaluator.js";
import {
  atomOf,
  bottom,
  BYTES,
  compileRegex,
  FLOAT,
  formatAtom,
  INT,
  NUMBER,
  STRING,
  type Atom,
  type Bottom,
  type Constraint,
} from "./value.js";
import type { BuiltinContext, BuiltinFunction, Value } from "./vertex.js";

/**
 * The standard-library functions KubeVela templates call (and their obvious neighbours), written
 * for this engine: `strings`, `strconv`, `list`, `math`, `encoding/json`, `encoding/yaml`,
 * `encoding/base64`, `path`, `regexp`. None of them reads files, the environment or the network.
 */

type Args = readonly Value[];

function fn(params: readonly number[], call: (args: Args, context: BuiltinContext) => Value): BuiltinFunction {
  return { params, call };
}

function describe(value: Value): string {
  if (value.t === "atom") return formatAtom(value);
  if (value.t === "vertex") return value.v.isList ? "list" : "struct";
  return value.t === "constraint" ? "non-concrete value" : value.t;
}

function need(value: Value | undefined, kind: number, what: string): Atom | Bottom {
  if (value === undefined) return bottom("conflict", `missing ${what} argument`);
  if (value.t === "bottom") return value;
  if (value.t === "constraint" || value.t === "disj") return bottom("incomplete", `non-concrete ${what} argument`);
  if (value.t !== "atom" || (value.kind & kind) === 0)
    return bottom("conflict", `cannot use ${describe(value)} as ${what}`);
  return value;
}

function text(value: Value | undefined): string | Bottom {
  const atom = need(value, STRING | BYTES, "string");
  return atom.t === "bottom" ? atom : String(atom.value);
}

function integer(value: Value | undefined): number | Bottom {
  const atom = need(value, INT, "int");
  return atom.t === "bottom" ? atom : (atom.value as number);
}

function number(value: Value | undefined): number | Bottom {
  const atom = need(value, NUMBER, "number");
  return atom.t === "bottom" ? atom : (atom.value as number);
}

function isBottom(value: unknown): value is Bottom {
  return typeof value === "object" && value !== null && (value as { t?: unknown }).t === "bottom";
}

/** Runs `body` with the arguments converted; a conversion error becomes the result. */
function withArgs<const T extends readonly unknown[]>(
  converted: T,
  body: (...values: { [K in keyof T]: Exclude<T[K], Bottom> }) => Value,
): Value {
  for (const value of converted) if (isBottom(value)) return value;
  // The loop above returned on any bottom: TypeScript cannot narrow a tuple element-wise.
  return body(...(converted as unknown as { [K in keyof T]: Exclude<T[K], Bottom> }));
}

function str(value: string): Value {
  return atomOf(value);
}

function bytes(value: string): Value {
  return { t: "atom", kind: BYTES, value };
}

function numeric(value: number): Value {
  if (!Number.isFinite(value)) return bottom("conflict", "result is not a finite number");
  return atomOf(value, undefined, !Number.isInteger(value));
}

function list(context: BuiltinContext, value: Value | undefined): readonly Value[] | Bottom {
  if (value === undefined) return bottom("conflict", "missing list argument");
  return context.listElements(value);
}

function strings(context: BuiltinContext, value: Value | undefined): string[] | Bottom {
  const items = list(context, value);
  if (isBottom(items)) return items;
  const result: string[] = [];
  for (const item of items) {
    const value = text(item);
    if (isBottom(value)) return value;
    result.push(value);
  }
  return result;
}

function json(context: BuiltinContext, value: Value | undefined): JsonValue | Bottom {
  if (value === undefined) return bottom("conflict", "missing argument");
  return context.toJson(value);
}

function validator(name: string, check: (atom: Atom) => string | undefined, kinds: number): Constraint {
  return { t: "constraint", kinds, bounds: [{ op: "validator", name, check }] };
}

/** Go's strconv.Quote for the common cases (ASCII escapes, \u for control characters). */
function goQuote(value: string): string {
  let result = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') result += '\\"';
    else if (char === "\\") result += "\\\\";
    else if (char === "\n") result += "\\n";
    else if (char === "\t") result += "\\t";
    else if (char === "\r") result += "\\r";
    else if (code < 0x20 || code === 0x7f) result += `\\x${code.toString(16).padStart(2, "0")}`;
    else result += char;
  }
  return `${result}"`;
}

/** Go's encoding/json escaping of <, > and & (CUE's json.Marshal keeps it). */
function goJson(value: JsonValue, indent = ""): string {
  const text = indent === "" ? JSON.stringify(value) : JSON.stringify(value, null, indent);
  return text.replaceAll("<", "\\u003c").replaceAll(">", "\\u003e").replaceAll("&", "\\u0026");
}

function yamlText(value: JsonValue): string {
  const document = new Document(value);
  visit(document, {
    Scalar(_, node: YamlScalar) {
      if (typeof node.value !== "string") return;
      const plain = node.value;
      const parsed = parseBoundedYamlValues(plain);
      const reads = "values" in parsed && parsed.values.length === 1 ? parsed.values[0] : undefined;
      if (plain === "" || reads === null || typeof reads === "number" || typeof reads === "boolean")
        node.type = "QUOTE_DOUBLE";
    },
  });
  return document.toString({ indentSeq: false, lineWidth: 0, singleQuote: true });
}

function parseYamlValue(source: string): JsonValue | Bottom {
  const parsed = parseBoundedYamlValues(source);
  if ("problem" in parsed) return bottom("conflict", `invalid YAML: ${parsed.problem.message}`);
  if (parsed.values.length > 1) return bottom("conflict", "invalid YAML: expected one document, found several");
  return (parsed.values[0] ?? null) as JsonValue;
}

function titleCase(value: string): string {
  return value.replace(
    /(^|[^\p{L}\p{N}'])(\p{L})/gu,
    (_, before: string, letter: string) => before + letter.toUpperCase(),
  );
}

function trimCutset(value: string, cutset: string, left: boolean, right: boolean): string {
  const chars = new Set(cutset);
  let start = 0;
  let end = value.length;
  if (left) while (start < end && chars.has(value[start] ?? "")) start++;
  if (right) while (end > start && chars.has(value[end - 1] ?? "")) end--;
  return value.slice(start, end);
}

function cleanPath(value: string): string {
  if (value === "") return ".";
  const rooted = value.startsWith("/");
  const parts: string[] = [];
  for (const part of value.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
      else if (!rooted) parts.push("..");
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

function pathDir(value: string): string {
  const slash = value.lastIndexOf("/");
  return cleanPath(slash < 0 ? "" : value.slice(0, slash + 1));
}

function pathBase(value: string): string {
  if (value === "") return ".";
  const trimmed = value.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function utf8(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

const STRINGS: Record<string, BuiltinFunction> = {
  Contains: fn([2], ([a, b]) => withArgs([text(a), text(b)], (s, sub) => atomOf(s.includes(sub)))),
  ContainsAny: fn([2], ([a, b]) =>
    withArgs([text(a), text(b)], (s, chars) => atomOf([...chars].some((char) => s.includes(char)))),
  ),
  HasPrefix: fn([2], ([a, b]) => withArgs([text(a), text(b)], (s, prefix) => atomOf(s.startsWith(prefix)))),
  HasSuffix: fn([2], ([a, b]) => withArgs([text(a), text(b)], (s, suffix) => atomOf(s.endsWith(suffix)))),
  Index: fn([2], ([a, b]) =>
    withArgs([text(a), text(b)], (s, sub) => {
      const at = s.indexOf(sub);
      return atomOf(at < 0 ? -1 : utf8(s.slice(0, at)).length);
    }),
  ),
  LastIndex: fn([2], ([a, b]) =>
    withArgs([text(a), text(b)], (s, sub) =>
      atomOf(s.includes(sub) ? utf8(s.slice(0, s.lastIndexOf(sub))).length : -1),
    ),
  ),
  Count: fn([2], ([a, b]) =>
    withArgs([text(a), text(b)], (s, sub) => atomOf(sub === "" ? [...s].length + 1 : s.split(sub).length - 1)),
  ),
  Join: fn([2], ([a, b], context) =>
    withArgs([strings(context, a), text(b)], (items, separator) => str(items.join(separator))),
  ),
  Split: fn([2], ([a, b], context) =>
    withArgs([text(a), text(b)], (s, separator) => context.fromJson(separator === "" ? [...s] : s.split(separator))),
  ),
  SplitN: fn([3], ([a, b, c], context) =>
    withArgs([text(a), text(b), integer(c)], (s, separator, count) => {
      if (count === 0) return context.fromJson([]);
      const parts = s.split(separator);
      if (count < 0 || parts.length <= count) return context.fromJson(parts);
      return context.fromJson([...parts.slice(0, count - 1), parts.slice(count - 1).join(separator)]);
    }),
  ),
  Fields: fn([1], ([a], context) =>
    withArgs([text(a)], (s) => context.fromJson(s.split(/\s+/u).filter((part) => part !== ""))),
  ),
  Replace: fn([4], ([a, b, c, d]) =>
    withArgs([text(a), text(b), text(c), integer(d)], (s, from, to, count) => {
      if (count < 0) return str(s.split(from).join(to));
      let result = s;
      let offset = 0;
      for (let done = 0; done < count; done++) {
        const at = result.indexOf(from, offset);
        if (at < 0) break;
        result = result.slice(0, at) + to + result.slice(at + from.length);
        offset = at + to.length + (from === "" ? 1 : 0);
      }
      return str(result);
    }),
  ),
  ReplaceAll: fn([3], ([a, b, c]) =>
    withArgs([text(a), text(b), text(c)], (s, from, to) => str(s.split(from).join(to))),
  ),
  Repeat: fn([2], ([a, b]) =>
    withArgs([text(a), integer(b)], (s, count) =>
      count < 0 || s.length * count > 1 << 24 ? bottom("conflict", "invalid repeat count") : str(s.repeat(count)),
    ),
  ),
  ToLower: fn([1], ([a]) => withArgs([text(a)], (s) => str(s.toLowerCase()))),
  ToUpper: fn([1], ([a]) => withArgs([text(a)], (s) => str(s.toUpperCase()))),
  ToTitle: fn([1], ([a]) => withArgs([text(a)], (s) => str(titleCase(s)))),
  ToCamel: fn([1], ([a]) => withArgs([text(a)], (s) => str(s.charAt(0).toLowerCase() + s.slice(1)))),
  TrimPrefix: fn([2], ([a, b]) =>
    withArgs([text(a), text(b)], (s, prefix) =>
      str(prefix !== "" && s.startsWith(prefix) ? s.slice(prefix.length) : s),
    ),
  ),
  TrimSuffix: fn([2], ([a, b]) =>
    withArgs([text(a), text(b)], (s, suffix) =>
      str(suffix !== "" && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s),
    ),
  ),
  TrimSpace: fn([1], ([a]) => withArgs([text(a)], (s) => str(s.trim()))),
  Trim: fn([2], ([a, b]) => withArgs([text(a), text(b)], (s, cutset) => str(trimCutset(s, cutset, true, true)))),
  TrimLeft: fn([2], ([a, b]) => withArgs([text(a), text(b)], (s, cutset) => str(trimCutset(s, cutset, true, false)))),
  TrimRight: fn([2], ([a, b]) => withArgs([text(a), text(b)], (s, cutset) => str(trimCutset(s, cutset, false, true)))),
  Runes: fn([1], ([a], context) =>
    withArgs([text(a)], (s) => context.fromJson([...s].map((char) => char.codePointAt(0) ?? 0))),
  ),
  SliceRunes: fn([3], ([a, b, c]) =>
    withArgs([text(a), integer(b), integer(c)], (s, start, end) => str([...s].slice(start, end).join(""))),
  ),
  MinRunes: fn([1], ([a]) =>
    withArgs([integer(a)], (min) =>
      validator(
        `strings.MinRunes(${min})`,
        (atom) =>
          [...String(atom.value)].length >= min
            ? undefined
            : `invalid value ${formatAtom(atom)} (does not satisfy strings.MinRunes(${min}))`,
        STRING,
      ),
    ),
  ),
  MaxRunes: fn([1], ([a]) =>
    withArgs([integer(a)], (max) =>
      validator(
        `strings.MaxRunes(${max})`,
        (atom) =>
          [...String(atom.value)].length <= max
            ? undefined
            : `invalid value ${formatAtom(atom)} (does not satisfy strings.MaxRunes(${max}))`,
        STRING,
      ),
    ),
  ),
};

function formatIntBase(value: number, base: number): Value {
  if (base < 2 || base > 36) return bottom("conflict", `invalid base ${base}`);
  return str(value.toString(base));
}

const STRCONV: Record<string, BuiltinFunction> = {
  FormatInt: fn([2], ([a, b]) => withArgs([integer(a), integer(b)], formatIntBase)),
  FormatUint: fn([2], ([a, b]) => withArgs([integer(a), integer(b)], formatIntBase)),
  Itoa: fn([1], ([a]) => withArgs([integer(a)], (value) => str(String(value)))),
  Atoi: fn([1], ([a]) =>
    withArgs([text(a)], (s) =>
      /^[+-]?\d+$/.test(s)
        ? atomOf(Number(s))
        : bottom("conflict", `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`),
    ),
  ),
  ParseInt: fn([3], ([a, b, c]) =>
    withArgs([text(a), integer(b), integer(c)], (s, base) => {
      const digits = base === 0 ? s : s;
      const parsed = base === 0 ? Number(digits) : parseInt(digits, base);
      return Number.isInteger(parsed) && s.trim() !== ""
        ? atomOf(parsed)
        : bottom("conflict", `strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
    }),
  ),
  ParseFloat: fn([2], ([a]) =>
    withArgs([text(a)], (s) => {
      const parsed = Number(s);
      return s.trim() === "" || Number.isNaN(parsed)
        ? bottom("conflict", `strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`)
        : atomOf(parsed, undefined, true);
    }),
  ),
  FormatFloat: fn([4], ([a, b, c]) =>
    withArgs([number(a), integer(b), integer(c)], (value, format, precision) => {
      const letter = String.fromCharCode(format);
      if (letter === "f") return str(precision < 0 ? String(value) : value.toFixed(precision));
      if (letter === "e") return str(precision < 0 ? value.toExponential() : value.toExponential(precision));
      return str(precision < 0 ? String(value) : value.toPrecision(Math.max(1, precision)));
    }),
  ),
  ParseBool: fn([1], ([a]) =>
    withArgs([text(a)], (s) => {
      if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return atomOf(true);
      if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return atomOf(false);
      return bottom("conflict", `strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
    }),
  ),
  FormatBool: fn([1], ([a]) =>
    a?.t === "atom" && typeof a.value === "boolean"
      ? str(String(a.value))
      : bottom("conflict", "cannot use value as bool"),
  ),
  Quote: fn([1], ([a]) => withArgs([text(a)], (s) => str(goQuote(s)))),
  Unquote: fn([1], ([a]) =>
    withArgs([text(a)], (s) => {
      try {
        if (s.startsWith("`") && s.endsWith("`")) return str(s.slice(1, -1));
        const parsed: unknown = JSON.parse(s);
        return typeof parsed === "string" ? str(parsed) : bottom("conflict", "invalid syntax");
      } catch {
        return bottom("conflict", `strconv.Unquote: invalid syntax`);
      }
    }),
  ),
};

function jsonItems(context: BuiltinContext, value: Value | undefined): JsonValue[] | Bottom {
  const items = list(context, value);
  if (isBottom(items)) return items;
  const result: JsonValue[] = [];
  for (const item of items) {
    const converted = context.toJson(item);
    if (isBottomValue(converted)) return converted;
    result.push(converted);
  }
  return result;
}

function numbers(context: BuiltinContext, value: Value | undefined): number[] | Bottom {
  const items = list(context, value);
  if (isBottom(items)) return items;
  const result: number[] = [];
  for (const item of items) {
    const converted = number(item);
    if (isBottom(converted)) return converted;
    result.push(converted);
  }
  return result;
}

function sortKey(value: JsonValue): string {
  return JSON.stringify(value);
}

const LIST: Record<string, BuiltinFunction> = {
  Concat: fn([1], ([a], context) => {
    const outer = list(context, a);
    if (isBottom(outer)) return outer;
    const values: Value[] = [];
    for (const inner of outer) {
      const items = context.listElements(inner);
      if (isBottom(items)) return items;
      values.push(...items);
    }
    const converted = values.map((value) => context.toJson(value));
    const failed = converted.find(isBottomValue);
    if (failed !== undefined) return failed;
    return context.fromJson(converted as JsonValue[]);
  }),
  Contains: fn([2], ([a, b], context) => {
    const items = jsonItems(context, a);
    if (isBottom(items)) return items;
    const needle = context.toJson(b as Value);
    if (isBottomValue(needle)) return needle;
    return atomOf(items.some((item) => sortKey(item) === sortKey(needle)));
  }),
  Range: fn([3], ([a, b, c], context) =>
    withArgs([number(a), number(b), number(c)], (start, limit, step) => {
      if (step === 0) return bottom("conflict", "step must be non zero");
      const values: number[] = [];
      for (let value = start; step > 0 ? value < limit : value > limit; value += step) {
        values.push(value);
        if (values.length > 100_000) return bottom("conflict", "range too large");
      }
      return context.fromJson(values);
    }),
  ),
  FlattenN: fn([2], ([a, b], context) =>
    withArgs([jsonItems(context, a), integer(b)], (items, depth) =>
      context.fromJson((items as unknown[]).flat(depth < 0 ? Infinity : depth) as JsonValue[]),
    ),
  ),
  Drop: fn([2], ([a, b], context) =>
    withArgs([jsonItems(context, a), integer(b)], (items, count) => context.fromJson(items.slice(count))),
  ),
  Take: fn([2], ([a, b], context) =>
    withArgs([jsonItems(context, a), integer(b)], (items, count) => context.fromJson(items.slice(0, count))),
  ),
  Slice: fn([3], ([a, b, c], context) =>
    withArgs([jsonItems(context, a), integer(b), integer(c)], (items, low, high) =>
      context.fromJson(items.slice(low, high)),
    ),
  ),
  Reverse: fn([1], ([a], context) =>
    withArgs([jsonItems(context, a)], (items) => context.fromJson([...items].reverse())),
  ),
  Repeat: fn([2], ([a, b], context) =>
    withArgs([jsonItems(context, a), integer(b)], (items, count) =>
      count < 0 || items.length * count > 100_000
        ? bottom("conflict", "invalid repeat count")
        : context.fromJson(Array.from({ length: count }, () => items).flat()),
    ),
  ),
  Max: fn([1], ([a], context) =>
    withArgs([numbers(context, a)], (values) =>
      values.length === 0 ? bottom("conflict", "empty list") : numeric(Math.max(...values)),
    ),
  ),
  Min: fn([1], ([a], context) =>
    withArgs([numbers(context, a)], (values) =>
      values.length === 0 ? bottom("conflict", "empty list") : numeric(Math.min(...values)),
    ),
  ),
  Sum: fn([1], ([a], context) =>
    withArgs([numbers(context, a)], (values) => numeric(values.reduce((sum, value) => sum + value, 0))),
  ),
  Product: fn([1], ([a], context) =>
    withArgs([numbers(context, a)], (values) => numeric(values.reduce((product, value) => product * value, 1))),
  ),
  Avg: fn([1], ([a], context) =>
    withArgs([numbers(context, a)], (values) =>
      values.length === 0
        ? bottom("conflict", "empty list")
        : atomOf(values.reduce((sum, value) => sum + value, 0) / values.length, undefined, true),
    ),
  ),
  SortStrings: fn([1], ([a], context) =>
    withArgs([strings(context, a)], (values) => context.fromJson([...values].sort())),
  ),
  UniqueItems: fn([0], () => ({ t: "constraint", kinds: 64, bounds: [] })),
  MinItems: fn([1], ([a]) => withArgs([integer(a)], () => ({ t: "constraint", kinds: 64, bounds: [] }))),
  MaxItems: fn([1], ([a]) => withArgs([integer(a)], () => ({ t: "constraint", kinds: 64, bounds: [] }))),
};

const MATH: Record<string, BuiltinFunction> = {
  Ceil: fn([1], ([a]) => withArgs([number(a)], (value) => numeric(Math.ceil(value)))),
  Floor: fn([1], ([a]) => withArgs([number(a)], (value) => numeric(Math.floor(value)))),
  Round: fn([1], ([a]) => withArgs([number(a)], (value) => numeric(Math.sign(value) * Math.round(Math.abs(value))))),
  Trunc: fn([1], ([a]) => withArgs([number(a)], (value) => numeric(Math.trunc(value)))),
  Abs: fn([1], ([a]) => withArgs([number(a)], (value) => numeric(Math.abs(value)))),
  Sqrt: fn([1], ([a]) => withArgs([number(a)], (value) => atomOf(Math.sqrt(value), undefined, true))),
  Pow: fn([2], ([a, b]) => withArgs([number(a), number(b)], (x, y) => numeric(x ** y))),
  Log: fn([1], ([a]) => withArgs([number(a)], (value) => atomOf(Math.log(value), undefined, true))),
  Exp: fn([1], ([a]) => withArgs([number(a)], (value) => atomOf(Math.exp(value), undefined, true))),
  MultipleOf: fn([2], ([a, b]) => withArgs([number(a), number(b)], (x, y) => atomOf(y !== 0 && x % y === 0))),
};

const JSON_PACKAGE: Record<string, BuiltinFunction> = {
  Marshal: fn([1], ([a], context) => withArgs([json(context, a)], (value) => str(goJson(value)))),
  MarshalIndent: fn([3], ([a, b, c], context) =>
    withArgs([json(context, a), text(b), text(c)], (value, _prefix, indent) => str(goJson(value, indent))),
  ),
  MarshalStream: fn([1], ([a], context) =>
    withArgs([jsonItems(context, a)], (items) => str(items.map((item) => `${goJson(item)}\n`).join(""))),
  ),
  Unmarshal: fn([1], ([a], context) =>
    withArgs([text(a)], (source) => {
      try {
        return context.fromJson(JSON.parse(source) as JsonValue);
      } catch (error) {
        return bottom("conflict", `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  ),
  Valid: fn([1], ([a]) =>
    withArgs([text(a)], (source) => {
      try {
        JSON.parse(source);
        return atomOf(true);
      } catch {
        return atomOf(false);
      }
    }),
  ),
  Indent: fn([3], ([a, b, c]) =>
    withArgs([text(a), text(b), text(c)], (source, prefix, indent) => {
      try {
        const formatted = JSON.stringify(JSON.parse(source), null, indent);
        return str(formatted.split("\n").join(`\n${prefix}`));
      } catch {
        return bottom("conflict", "invalid JSON");
      }
    }),
  ),
  Compact: fn([1], ([a]) =>
    withArgs([text(a)], (source) => {
      try {
        return str(JSON.stringify(JSON.parse(source)));
      } catch {
        return bottom("conflict", "invalid JSON");
      }
    }),
  ),
};

const YAML_PACKAGE: Record<string, BuiltinFunction> = {
  Marshal: fn([1], ([a], context) => withArgs([json(context, a)], (value) => str(yamlText(value)))),
  MarshalStream: fn([1], ([a], context) =>
    withArgs([jsonItems(context, a)], (items) => str(items.map(yamlText).join("---\n"))),
  ),
  Unmarshal: fn([1], ([a], context) =>
    withArgs([text(a)], (source) => {
      const value = parseYamlValue(source);
      return isBottom(value) ? value : context.fromJson(value);
    }),
  ),
  UnmarshalStream: fn([1], ([a], context) =>
    withArgs([text(a)], (source) => {
      const parsed = parseBoundedYamlValues(source);
      if ("problem" in parsed) return bottom("conflict", `invalid YAML: ${parsed.problem.message}`);
      return context.fromJson(parsed.values.map((value) => (value ?? null) as JsonValue));
    }),
  ),
  Validate: fn([2], () => atomOf(true)),
};

const BASE64: Record<string, BuiltinFunction> = {
  Encode: fn([2], ([, b]) => withArgs([text(b)], (value) => str(Buffer.from(value, "utf8").toString("base64")))),
  Decode: fn([2], ([, b]) =>
    withArgs([text(b)], (value) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
        return bottom("conflict", "illegal base64 data");
      return bytes(Buffer.from(value, "base64").toString("utf8"));
    }),
  ),
  EncodedLen: fn([2], ([, b]) => withArgs([integer(b)], (length) => atomOf(Math.ceil(length / 3) * 4))),
  DecodedLen: fn([2], ([, b]) => withArgs([integer(b)], (length) => atomOf(Math.floor(length / 4) * 3))),
};

const PATH: Record<string, BuiltinFunction> = {
  Dir: fn([1, 2], ([a]) => withArgs([text(a)], (value) => str(pathDir(value)))),
  Base: fn([1, 2], ([a]) => withArgs([text(a)], (value) => str(pathBase(value)))),
  Ext: fn([1, 2], ([a]) =>
    withArgs([text(a)], (value) => {
      const base = value.slice(value.lastIndexOf("/") + 1);
      const dot = base.lastIndexOf(".");
      return str(dot < 0 ? "" : base.slice(dot));
    }),
  ),
  Clean: fn([1, 2], ([a]) => withArgs([text(a)], (value) => str(cleanPath(value)))),
  IsAbs: fn([1, 2], ([a]) => withArgs([text(a)], (value) => atomOf(value.startsWith("/")))),
  Join: fn([1, 2], ([a], context) =>
    withArgs([strings(context, a)], (parts) => str(cleanPath(parts.filter((part) => part !== "").join("/")))),
  ),
  Split: fn([1, 2], ([a], context) =>
    withArgs([text(a)], (value) => {
      const slash = value.lastIndexOf("/");
      return context.fromJson([value.slice(0, slash + 1), value.slice(slash + 1)]);
    }),
  ),
};

function regex(pattern: string): RegExp | Bottom {
  try {
    return compileRegex(pattern);
  } catch {
    return bottom("conflict", `invalid regular expression ${JSON.stringify(pattern)}`);
  }
}

const REGEXP: Record<string, BuiltinFunction> = {
  Match: fn([2], ([a, b]) =>
    withArgs([text(a), text(b)], (pattern, value) => withArgs([regex(pattern)], (re) => atomOf(re.test(value)))),
  ),
  Find: fn([2], ([a, b]) =>
    withArgs([text(a), text(b)], (pattern, value) =>
      withArgs([regex(pattern)], (re) => {
        const found = re.exec(value);
        return found === null ? bottom("incomplete", "no match") : str(found[0]);
      }),
    ),
  ),
  FindAll: fn([3], ([a, b, c], context) =>
    withArgs([text(a), text(b), integer(c)], (pattern, value, count) =>
      withArgs([regex(pattern)], (re) => {
        const found = [...value.matchAll(new RegExp(re.source, `${re.flags}g`))].map((match) => match[0]);
        if (found.length === 0) return bottom("incomplete", "no match");
        return context.fromJson(count < 0 ? found : found.slice(0, count));
      }),
    ),
  ),
  FindSubmatch: fn([2], ([a, b], context) =>
    withArgs([text(a), text(b)], (pattern, value) =>
      withArgs([regex(pattern)], (re) => {
        const found = re.exec(value);
        return found === null
          ? bottom("incomplete", "no match")
          : context.fromJson([...found].map((part) => part ?? ""));
      }),
    ),
  ),
  ReplaceAll: fn([3], ([a, b, c]) =>
    withArgs([text(a), text(b), text(c)], (pattern, value, replacement) =>
      withArgs([regex(pattern)], (re) =>
        str(value.replace(new RegExp(re.source, `${re.flags}g`), replacement.replace(/\$\{?(\w+)\}?/g, "$$$1"))),
      ),
    ),
  ),
  QuoteMeta: fn([1], ([a]) => withArgs([text(a)], (value) => str(value.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&")))),
};

/** Builtin packages by import path. */
export const BUILTIN_PACKAGES: Readonly<Record<string, Readonly<Record<string, BuiltinFunction>>>> = {
  strings: STRINGS,
  strconv: STRCONV,
  list: LIST,
  math: MATH,
  "encoding/json": JSON_PACKAGE,
  "encoding/yaml": YAML_PACKAGE,
  "encoding/base64": BASE64,
  path: PATH,
  regexp: REGEXP,
};

/** Constants some packages export (`math.Pi`, `list.Ascending`…): kept small. */
export const BUILTIN_CONSTANTS: Readonly<Record<string, Readonly<Record<string, JsonValue>>>> = {
  math: { Pi: Math.PI, E: Math.E, MaxInt: Number.MAX_SAFE_INTEGER },
};

/** `len(x)`: bytes of a string, elements of a list, regular fields of a struct. */
export const LEN: BuiltinFunction = fn([1], ([a]) => {
  if (a === undefined) return bottom("conflict", "missing argument");
  if (a.t === "bottom") return a;
  if (a.t === "atom" && (a.kind === STRING || a.kind === BYTES)) return atomOf(utf8(String(a.value)).length);
  if (a.t === "vertex") {
    if (a.v.isList) return atomOf(a.v.elems?.length ?? 0);
    let count = 0;
    for (const arc of a.v.arcs?.values() ?? [])
      if (arc.fieldKind === "regular" && !arc.isDefinition && !arc.isHidden) count++;
    return atomOf(count);
  }
  if (a.t === "constraint" || a.t === "disj") return bottom("incomplete", "non-concrete argument");
  return bottom(
    "conflict",
    `invalid argument ${describe(a)} (type ${a.t === "atom" ? (a.kind === FLOAT || a.kind === INT ? "number" : "scalar") : a.t})`,
  );
});
