/**
 * Go's predefined template functions (`text/template/funcs.go`): comparison, `len`, `index`,
 * `slice`, `not`, `print*`, `html`, `js`, `urlquery`. `and`/`or` are evaluated lazily by the evaluator.
 */
import { sprint, sprintf, sprintln } from "./format.js";
import { isGoMap, isNil, isTrue, toGoString, typeOf, type TemplateFunc } from "./go-value.js";

type BasicKind = "invalid" | "bool" | "int" | "float" | "string" | "other";

function basicKind(value: unknown): BasicKind {
  if (isNil(value)) return "invalid";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
    default:
      return "other";
  }
}

/** Go's `eq`: true when the first argument equals any of the others. */
export function goEq(first: unknown, ...others: unknown[]): boolean {
  if (others.length === 0) throw new Error("missing argument for comparison");
  const k1 = basicKind(first);
  for (const other of others) {
    const k2 = basicKind(other);
    if (k1 !== k2) {
      if (k1 !== "invalid" && k2 !== "invalid") throw new Error("incompatible types for comparison");
      continue;
    }
    if (k1 === "other") {
      throw new Error(`non-comparable type ${typeOf(first)}`);
    }
    if (k1 === "invalid" || first === other) return true;
  }
  return false;
}

function lessThan(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== k2) {
    if (k1 === "invalid" || k2 === "invalid") throw new Error("invalid type for comparison");
    throw new Error("incompatible types for comparison");
  }
  if (k1 === "int" || k1 === "float" || k1 === "string") return (a as string) < (b as string);
  throw new Error("invalid type for comparison");
}

function length(value: unknown): bigint {
  if (isNil(value)) throw new Error("len of nil pointer");
  if (typeof value === "string") return BigInt(Buffer.byteLength(value, "utf8"));
  if (Array.isArray(value)) return BigInt(value.length);
  if (value instanceof Uint8Array) return BigInt(value.length);
  if (isGoMap(value)) return BigInt(Object.keys(value).length);
  throw new Error(`len of type ${typeOf(value)}`);
}

function indexArg(index: unknown, size: number): number {
  if (typeof index === "bigint" || (typeof index === "number" && Number.isInteger(index))) {
    const n = Number(index);
    if (n < 0 || n >= size) throw new Error(`index out of range: ${n}`);
    return n;
  }
  if (isNil(index)) throw new Error("cannot index slice/array with nil");
  throw new Error(`cannot index slice/array with type ${typeOf(index)}`);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error("index of untyped nil");
  let current: unknown = item;
  for (const key of indexes) {
    if (isNil(current)) throw new Error("index of nil pointer");
    if (Array.isArray(current)) current = current[indexArg(key, current.length)];
    else if (typeof current === "string")
      current = BigInt(Buffer.from(current, "utf8")[indexArg(key, Buffer.byteLength(current))] ?? 0);
    else if (isGoMap(current)) {
      if (typeof key !== "string") throw new Error(`value has type ${typeOf(key)}; should be string`);
      current = Object.hasOwn(current, key) ? current[key] : undefined;
    } else throw new Error(`can't index item of type ${typeOf(current)}`);
  }
  return current;
}

function sliceOf(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error("slice of untyped nil");
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const size = typeof item === "string" ? item.length : Array.isArray(item) ? item.length : -1;
  if (size < 0) throw new Error(`can't slice item of type ${typeOf(item)}`);
  if (typeof item === "string" && indexes.length === 3) throw new Error("cannot 3-index slice a string");
  const bounds = indexes.map((value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > size) throw new Error(`index out of range: ${String(value)}`);
    return n;
  });
  const start = bounds[0] ?? 0;
  const end = bounds[1] ?? size;
  if (start > end) throw new Error(`invalid slice index: ${start} > ${end}`);
  return typeof item === "string" ? item.slice(start, end) : (item as unknown[]).slice(start, end);
}

function htmlEscape(text: string): string {
  return text.replace(
    /[&'<>"\0]/g,
    (ch) => ({ "&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "\0": "\uFFFD" })[ch] ?? ch,
  );
}

function jsEscape(text: string): string {
  // eslint-disable-next-line no-control-regex -- Go's JSEscape rewrites control characters as \uXXXX on purpose
  return text.replace(/[\\'"<>&=\n\r\t\x00-\x1f]/g, (ch) => {
    switch (ch) {
      case "\\":
        return "\\\\";
      case "'":
        return "\\'";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
    }
  });
}

function evalArgsText(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args);
}

/** The Go builtins as template functions. */
export const GO_BUILTINS: Readonly<Record<string, TemplateFunc>> = {
  not: (value) => !isTrue(value),
  len: (value) => length(value),
  index: (item, ...keys) => index(item, ...keys),
  slice: (item, ...bounds) => sliceOf(item, ...bounds),
  print: (...args) => sprint(args),
  printf: (format, ...args) => sprintf(toGoString(format), args),
  println: (...args) => sprintln(args),
  eq: (first, ...others) => goEq(first, ...others),
  ne: (a, b) => !goEq(a, b),
  lt: (a, b) => lessThan(a, b),
  le: (a, b) => lessThan(a, b) || goEq(a, b),
  gt: (a, b) => !lessThan(a, b) && !goEq(a, b),
  ge: (a, b) => !lessThan(a, b),
  html: (...args) => htmlEscape(evalArgsText(args)),
  js: (...args) => jsEscape(evalArgsText(args)),
  urlquery: (...args) =>
    encodeURIComponent(evalArgsText(args))
      .replace(/%20/g, "+")
      .replace(/[!'()*]/g, (ch) => `%${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()}`),
  and: () => undefined,
  or: () => undefined,
};
