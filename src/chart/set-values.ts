/**
 * `--set` parsing with Helm's `strvals` rules: `a.b=c`, several pairs separated by commas, list
 * indexes `a[0]=x`, lists `{a,b}`, `\` escapes, and values typed as Helm types them (integers as
 * Go `int64`, true/false, null; everything else, including floats, stays a string).
 */
import { ChartError } from "./errors.js";
import { int64 } from "./template/go-value.js";
import { copyValues } from "./values.js";

type Values = Record<string, unknown>;

function setError(expression: string, message: string): ChartError {
  return new ChartError("E_CHART_VALUES", `failed parsing --set data "${expression}": ${message}`, {
    hint: "use key=value, a.b=value, list[0]=value or key={a,b}",
  });
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Helm's `typedVal`: `true`/`false`/`null` in any case, and integers `strconv.ParseInt` reads
 * (not starting with `0`, within int64) become Go `int64`, so `--set n=1000000` prints `1000000`.
 */
function typed(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (lower === "null") return null;
  if (text === "0") return int64(0n);
  if (/^[+-]?\d+$/.test(text) && !text.startsWith("0")) {
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) return int64(value);
  }
  return text;
}

/** Splits at unescaped `sep` characters outside `{…}`, unescaping `\x`. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (ch === "\\" && i + 1 < text.length) {
      current += ch + (text[i + 1] ?? "");
      i++;
      continue;
    }
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    if (ch === sep && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}

function parseValue(raw: string): unknown {
  if (raw.startsWith("{") && raw.endsWith("}")) {
    const inner = raw.slice(1, -1);
    return inner === "" ? [] : splitTop(inner, ",").map((item) => typed(unescape(item)));
  }
  return typed(unescape(raw));
}

type Segment = { readonly key: string } | { readonly index: number };

function parseKey(expression: string, key: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of splitTop(key, ".")) {
    const match = /^((?:\\.|[^[\]])*)((?:\[\d+\])*)$/.exec(part);
    if (match === null) throw setError(expression, `invalid key "${part}"`);
    const name = unescape(match[1] ?? "");
    if (name === "" && segments.length === 0) throw setError(expression, "key is empty");
    if (name !== "") segments.push({ key: name });
    for (const index of (match[2] ?? "").matchAll(/\[(\d+)\]/g)) {
      const n = Number(index[1]);
      if (n > 65536) throw setError(expression, `index of ${n} is greater than maximum supported index 65536`);
      segments.push({ index: n });
    }
  }
  return segments;
}

function isPlainMap(value: unknown): value is Values {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function assign(container: unknown, segments: readonly Segment[], value: unknown): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return value;
  if ("key" in head) {
    const map: Values = isPlainMap(container) ? container : {};
    map[head.key] = assign(map[head.key], rest, value);
    return map;
  }
  const list: unknown[] = Array.isArray(container) ? container : [];
  while (list.length <= head.index) list.push(null);
  list[head.index] = assign(list[head.index], rest, value);
  return list;
}

/**
 * Applies one `--set` argument (possibly several comma-separated pairs) to a copy of `values` and
 * returns the copy (integers in it are Go `int64` objects: copy the result with `copyValues`, not
 * `structuredClone`).
 */
export function applySetValue(base: Values, expression: string): Values {
  const values = copyValues(base);
  for (const pair of splitTop(expression, ",")) {
    if (pair === "") continue;
    const eq = (() => {
      for (let i = 0; i < pair.length; i++) {
        if (pair[i] === "\\") i++;
        else if (pair[i] === "=") return i;
      }
      return -1;
    })();
    if (eq < 0) throw setError(expression, `key "${pair}" has no value`);
    const segments = parseKey(expression, pair.slice(0, eq));
    assign(values, segments, parseValue(pair.slice(eq + 1)));
  }
  return values;
}

/** Parses every `--set` argument in order into one values object. */
export function parseSetValues(expressions: readonly string[]): Record<string, unknown> {
  let values: Values = {};
  for (const expression of expressions) values = applySetValue(values, expression);
  return values;
}
