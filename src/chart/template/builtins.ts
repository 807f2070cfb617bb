/**
 * Go's predefined template functions (`text/template/funcs.go`): comparison, `len`, `index`,
 * `slice`, `not`, `print*`, `html`, `js`, `urlquery`, `call`. `and`/`or` are evaluated lazily by the
 * evaluator; they are listed here so the parser knows them.
 */
import { GoTemplateError } from "../errors.js";
import { sprint, sprintf, sprintln } from "./format.js";
import { fn, vfn, type GoFunc } from "./go-func.js";
import { GoInt, integerValue, isGoMap, isNil, isTrue, typeOf } from "./go-value.js";

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
      return value instanceof GoInt ? "int" : "other";
  }
}

function comparable(value: unknown): unknown {
  return value instanceof GoInt ? value.value : value;
}

/** Go's `eq`: true when the first argument equals any of the others. */
export function goEq(first: unknown, ...others: unknown[]): boolean {
  if (others.length === 0) throw new GoTemplateError("missing argument for comparison");
  const k1 = basicKind(first);
  for (const other of others) {
    const k2 = basicKind(other);
    if (k1 !== k2) {
      if (k1 !== "invalid" && k2 !== "invalid") throw new GoTemplateError("incompatible types for comparison");
      continue;
    }
    if (k1 === "other") {
      if (Array.isArray(first) || isGoMap(first) || Array.isArray(other) || isGoMap(other))
        throw new GoTemplateError(
          `non-comparable type ${typeOf(Array.isArray(first) || isGoMap(first) ? first : other)}`,
        );
      if (first === other) return true;
      continue;
    }
    if (k1 === "invalid" || comparable(first) === comparable(other)) return true;
  }
  return false;
}

function lessThan(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === "invalid" || k1 === "other" || k2 === "invalid" || k2 === "other")
    throw new GoTemplateError("invalid type for comparison");
  if (k1 !== k2) throw new GoTemplateError("incompatible types for comparison");
  if (k1 === "bool") throw new GoTemplateError("invalid type for comparison");
  return (comparable(a) as string) < (comparable(b) as string);
}

function length(value: unknown): bigint {
  if (isNil(value)) throw new GoTemplateError("len of nil pointer");
  if (typeof value === "string") return BigInt(Buffer.byteLength(value, "utf8"));
  if (Array.isArray(value) || value instanceof Uint8Array) return BigInt(value.length);
  if (isGoMap(value)) return BigInt(Object.keys(value).length);
  throw new GoTemplateError(`len of type ${typeOf(value)}`);
}

function indexArg(index: unknown, size: number, cap = size): number {
  const integer = integerValue(index);
  if (integer !== undefined) {
    if (integer < 0n || integer >= BigInt(cap)) throw new GoTemplateError(`index out of range: ${integer}`);
    return Number(integer);
  }
  if (isNil(index)) throw new GoTemplateError("cannot index slice/array with nil");
  throw new GoTemplateError(`cannot index slice/array with type ${typeOf(index)}`);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined) throw new GoTemplateError("index of untyped nil");
  let current: unknown = item;
  for (const key of indexes) {
    if (isNil(current)) throw new GoTemplateError("index of nil pointer");
    if (Array.isArray(current)) current = current[indexArg(key, current.length)];
    else if (typeof current === "string") {
      const bytes = Buffer.from(current, "utf8");
      current = new GoInt("uint8", BigInt(bytes[indexArg(key, bytes.length)] ?? 0));
    } else if (isGoMap(current)) {
      if (isNil(key)) current = null;
      else if (typeof key !== "string") throw new GoTemplateError(`value has type ${typeOf(key)}; should be string`);
      else current = Object.hasOwn(current, key) ? current[key] : null;
    } else throw new GoTemplateError(`can't index item of type ${typeOf(current)}`);
  }
  return current;
}

function sliceOf(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined) throw new GoTemplateError("slice of untyped nil");
  if (indexes.length > 3) throw new GoTemplateError(`too many slice indexes: ${indexes.length}`);
  if (typeof item !== "string" && !Array.isArray(item))
    throw new GoTemplateError(`can't slice item of type ${typeOf(item)}`);
  if (typeof item === "string" && indexes.length === 3) throw new GoTemplateError("cannot 3-index slice a string");
  const size = typeof item === "string" ? Buffer.byteLength(item) : item.length;
  const bounds = indexes.map((value) => indexArg(value, size, size + 1));
  const start = bounds[0] ?? 0;
  const end = bounds[1] ?? size;
  if (start > end) throw new GoTemplateError(`invalid slice index: ${start} > ${end}`);
  if (typeof item === "string") return Buffer.from(item, "utf8").subarray(start, end).toString("utf8");
  return item.slice(start, end);
}

function htmlEscape(text: string): string {
  return text.replace(
    /[&'<>"\0]/g,
    (ch) => ({ "&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "\0": "\uFFFD" })[ch] ?? ch,
  );
}

function jsEscape(text: string): string {
  return text.replace(/[\\'"<>&=\n\r\t]|[^\P{Cc}]/gu, (ch) => {
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

function urlQueryEscape(text: string): string {
  return Buffer.from(text, "utf8").reduce((out, byte) => {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) return out + ch;
    if (ch === " ") return `${out}+`;
    return `${out}%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }, "");
}

/** The Go builtins as template functions (`and`/`or` are placeholders: the evaluator runs them lazily). */
export const GO_BUILTINS: Readonly<Record<string, GoFunc>> = {
  and: vfn(["value"], "value", () => undefined),
  or: vfn(["value"], "value", () => undefined),
  not: fn(["value"], (value) => !isTrue(value)),
  len: fn(["value"], (value) => length(value)),
  index: vfn(["value"], "value", (item, ...keys) => index(item, ...keys)),
  slice: vfn(["value"], "value", (item, ...bounds) => sliceOf(item, ...bounds)),
  print: vfn([], "any", (...args) => sprint(args)),
  printf: vfn(["string"], "any", (format, ...args) => sprintf(format, args)),
  println: vfn([], "any", (...args) => sprintln(args)),
  eq: vfn(["value"], "value", (first, ...others) => goEq(first, ...others)),
  ne: fn(["value", "value"], (a, b) => !goEq(a, b)),
  lt: fn(["value", "value"], (a, b) => lessThan(a, b)),
  le: fn(["value", "value"], (a, b) => lessThan(a, b) || goEq(a, b)),
  gt: fn(["value", "value"], (a, b) => !lessThan(a, b) && !goEq(a, b)),
  ge: fn(["value", "value"], (a, b) => !lessThan(a, b)),
  html: vfn([], "any", (...args) => htmlEscape(evalArgsText(args))),
  js: vfn([], "any", (...args) => jsEscape(evalArgsText(args))),
  urlquery: vfn([], "any", (...args) => urlQueryEscape(evalArgsText(args))),
  call: vfn(["value"], "value", (callee) => {
    throw new GoTemplateError(`non-function ${typeOf(callee) === "<nil>" ? "" : "of type "}${typeOf(callee)}`);
  }),
};
