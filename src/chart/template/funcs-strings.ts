/**
 * Sprig's string functions (`strings.go` with goutils and xstrings), byte-for-byte as Go computes
 * them where it shows (`trunc` and `substr` count bytes; `title` treats `'` as a word break).
 */
import { GoTemplateError } from "../errors.js";
import { quoteGo } from "./format.js";
import { fn, vfn, type GoFunc } from "./go-func.js";
import { formatValue, isNil, toGoString, withGoType } from "./go-value.js";
import type { OutputGuard } from "./limits.js";

/** Sprig's `strslice`: a list of strings from a list (nil items dropped) or a single value. */
export function toStringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item) => !isNil(item)).map(toGoString);
  if (isNil(value)) return [];
  return [toGoString(value)];
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** `s[from:to]` with byte offsets, as Go slices strings. */
function byteSlice(text: string, from: number, to?: number): string {
  if (isAscii(text)) return text.slice(from, to);
  return Buffer.from(text, "utf8").subarray(from, to).toString("utf8");
}

function byteLength(text: string): number {
  return isAscii(text) ? text.length : Buffer.byteLength(text, "utf8");
}

function boundsError(text: string, index: string): Error {
  return new GoTemplateError(`runtime error: slice bounds out of range [${index}] with length ${byteLength(text)}`);
}

function trunc(count: number, text: string): string {
  const size = byteLength(text);
  if (count < 0 && size + count > 0) return byteSlice(text, size + count);
  if (count >= 0 && size > count) return byteSlice(text, 0, count);
  return text;
}

function substring(start: number, end: number, text: string): string {
  const size = byteLength(text);
  if (start < 0) {
    if (end > size) throw boundsError(text, `:${end}`);
    return byteSlice(text, 0, Math.max(end, 0));
  }
  if (end < 0 || end > size) {
    if (start > size) throw boundsError(text, `${start}:`);
    return byteSlice(text, start);
  }
  if (start > end) throw new GoTemplateError(`runtime error: slice bounds out of range [${start}:${end}]`);
  return byteSlice(text, start, end);
}

/** goutils `AbbreviateFull`. */
function abbreviateFull(text: string, offsetIn: number, maxWidth: number): string {
  if (text === "" || maxWidth < 4) return "";
  if (text.length <= maxWidth) return text;
  let offset = Math.min(offsetIn, text.length);
  if (text.length - offset < maxWidth - 3) offset = text.length - (maxWidth - 3);
  if (offset <= 4) return `${text.slice(0, maxWidth - 3)}...`;
  if (maxWidth < 7) return "";
  if (offset + maxWidth - 3 < text.length) return `...${abbreviateFull(text.slice(offset), 0, maxWidth - 3)}`;
  return `...${text.slice(text.length - (maxWidth - 3))}`;
}

const isSpace = (ch: string): boolean => /^\s$/u.test(ch);
const isLetterOrDigit = (ch: string): boolean => /^[\p{L}\p{Nd}]$/u.test(ch);

/** Go's `strings.Title`. */
function title(text: string): string {
  let prev = " ";
  let out = "";
  for (const ch of text) {
    const separator = prev <= "\x7f" ? !/^[0-9A-Za-z_]$/.test(prev) : !isLetterOrDigit(prev) && isSpace(prev);
    out += separator ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function untitle(text: string): string {
  let inWord = false;
  let out = "";
  for (const ch of text) {
    if (isSpace(ch)) {
      inWord = false;
      out += ch;
    } else if (!inWord) {
      inWord = true;
      out += ch.toLowerCase();
    } else out += ch;
  }
  return out;
}

function initials(text: string): string {
  let gap = true;
  let out = "";
  for (const ch of text) {
    if (isSpace(ch)) gap = true;
    else if (gap) {
      out += ch;
      gap = false;
    }
  }
  return out;
}

/** goutils `WrapCustom`. */
function wrapCustom(text: string, widthIn: number, newline: string, wrapLongWords: boolean): string {
  if (text === "") return "";
  const separator = newline === "" ? "\n" : newline;
  const width = widthIn < 1 ? 1 : widthIn;
  let offset = 0;
  let out = "";
  while (text.length - offset > width) {
    if (text[offset] === " ") {
      offset++;
      continue;
    }
    const end = width + offset + 1;
    const space = text.slice(offset, end).lastIndexOf(" ");
    if (space >= 0) {
      out += text.slice(offset, offset + space) + separator;
      offset += space + 1;
    } else if (wrapLongWords) {
      out += text.slice(offset, width + offset) + separator;
      offset += width;
    } else {
      const next = text.indexOf(" ", width + offset);
      if (next < 0) {
        out += text.slice(offset);
        offset = text.length;
      } else {
        out += text.slice(offset, next) + separator;
        offset = next + 1;
      }
    }
  }
  return out + text.slice(offset);
}

function swapcase(text: string): string {
  let out = "";
  for (const ch of text) {
    const upper = ch.toUpperCase();
    const lower = ch.toLowerCase();
    out += ch === upper && ch !== lower ? lower : ch === lower && ch !== upper ? upper : ch;
  }
  return out;
}

const isConnector = (ch: string): boolean => ch === "-" || ch === "_" || isSpace(ch);

/** xstrings `ToCamelCase`: connectors (`_`, `-`, space) removed, each word capitalised; leading connectors kept. */
function camelcase(text: string): string {
  const chars = [...text];
  let out = "";
  let i = 0;
  while (i < chars.length && isConnector(chars[i] ?? "")) out += chars[i++];
  if (i >= chars.length) return out;
  let current = (chars[i++] ?? "").toUpperCase();
  for (; i < chars.length; i++) {
    const previous = current;
    current = chars[i] ?? "";
    if (isConnector(current) && isConnector(previous)) {
      out += previous;
      continue;
    }
    if (isConnector(previous)) current = current.toUpperCase();
    else {
      current = current.toLowerCase();
      out += previous;
    }
  }
  return out + current;
}

type CharClass = "upper" | "lower" | "digit" | "other";

function classOf(ch: string): CharClass {
  if (/^\p{Lu}$/u.test(ch)) return "upper";
  if (/^\p{L}$/u.test(ch)) return "lower";
  if (/^\p{Nd}$/u.test(ch)) return "digit";
  return "other";
}

/**
 * xstrings' word split for `snakecase`/`kebabcase`: `FirstName` → first_name, `HTTPServer` →
 * http_server, `http2xx` → http_2xx, `Bld4Floor3rd` → bld4_floor_3rd.
 */
function caseWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let wordStartsWithDigit = false;
  const chars = [...text];
  const flush = (): void => {
    if (word !== "") words.push(word);
    word = "";
  };
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? "";
    const kind = classOf(ch);
    const prev = classOf(chars[i - 1] ?? " ");
    const next = classOf(chars[i + 1] ?? " ");
    if (isConnector(ch)) {
      flush();
      continue;
    }
    if (word === "") {
      word = ch;
      wordStartsWithDigit = kind === "digit";
      continue;
    }
    if (kind === "upper" && (prev === "lower" || prev === "digit" || (prev === "upper" && next === "lower"))) {
      flush();
      word = ch;
      wordStartsWithDigit = false;
      continue;
    }
    if (kind === "digit" && prev !== "digit" && !wordStartsWithDigit) {
      let j = i;
      while (classOf(chars[j] ?? " ") === "digit") j++;
      if (classOf(chars[j] ?? " ") === "lower") {
        flush();
        word = ch;
        wordStartsWithDigit = true;
        continue;
      }
    }
    word += ch;
  }
  flush();
  return words;
}

function splitToMap(parts: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  parts.forEach((part, i) => (out[`_${i}`] = part));
  return withGoType(out, "map[string]string");
}

function splitN(text: string, separator: string, n: number): string[] {
  if (n === 0) return [];
  const parts = separator === "" ? [...text] : text.split(separator);
  if (n < 0 || parts.length <= n) return parts;
  const head = parts.slice(0, n - 1);
  return [...head, parts.slice(n - 1).join(separator)];
}

function repeatCount(count: bigint): number {
  if (count < 0n) throw new GoTemplateError("strings: negative Repeat count");
  return Number(count);
}

/** Sprig's string functions; `guard` bounds the strings they build. */
export function stringFunctions(guard: OutputGuard): Record<string, GoFunc> {
  const indent = (spaces: bigint, text: string): string => {
    const count = repeatCount(spaces);
    const lines = text.split("\n").length;
    guard.reserve("indent", count * lines + text.length);
    const pad = " ".repeat(count);
    return pad + text.replaceAll("\n", `\n${pad}`);
  };
  return {
    trim: fn(["string"], (text) => text.trim()),
    trimAll: fn(["string", "string"], (cutset, text) => trimCutset(text, cutset)),
    trimall: fn(["string", "string"], (cutset, text) => trimCutset(text, cutset)),
    trimSuffix: fn(["string", "string"], (suffix, text) =>
      suffix !== "" && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text,
    ),
    trimPrefix: fn(["string", "string"], (prefix, text) =>
      text.startsWith(prefix) ? text.slice(prefix.length) : text,
    ),
    upper: fn(["string"], (text) => text.toUpperCase()),
    lower: fn(["string"], (text) => text.toLowerCase()),
    title: fn(["string"], (text) => title(text)),
    untitle: fn(["string"], (text) => untitle(text)),
    repeat: fn(["int", "string"], (count, text) => {
      const n = repeatCount(count);
      guard.reserve("repeat", n * text.length);
      return text.repeat(n);
    }),
    substr: fn(["int", "int", "string"], (start, end, text) => substring(Number(start), Number(end), text)),
    nospace: fn(["string"], (text) => text.replace(/\s+/gu, "")),
    trunc: fn(["int", "string"], (count, text) => trunc(Number(count), text)),
    abbrev: fn(["int", "string"], (width, text) => (width < 4n ? text : abbreviateFull(text, 0, Number(width)))),
    abbrevboth: fn(["int", "int", "string"], (left, right, text) =>
      right < 4n || (left > 0n && right < 7n) ? text : abbreviateFull(text, Number(left), Number(right)),
    ),
    initials: fn(["string"], (text) => initials(text)),
    wrap: fn(["int", "string"], (width, text) => wrapCustom(text, Number(width), "", false)),
    wrapWith: fn(["int", "string", "string"], (width, separator, text) => {
      guard.reserve("wrapWith", text.length * (separator.length + 1));
      return wrapCustom(text, Number(width), separator, true);
    }),
    contains: fn(["string", "string"], (substring, text) => text.includes(substring)),
    hasPrefix: fn(["string", "string"], (prefix, text) => text.startsWith(prefix)),
    hasSuffix: fn(["string", "string"], (suffix, text) => text.endsWith(suffix)),
    quote: vfn([], "any", (...values) =>
      values
        .filter((value) => !isNil(value))
        .map((value) => quoteGo(toGoString(value)))
        .join(" "),
    ),
    squote: vfn([], "any", (...values) =>
      values
        .filter((value) => !isNil(value))
        .map((value) => `'${formatValue(value)}'`)
        .join(" "),
    ),
    cat: vfn([], "any", (...values) =>
      values
        .filter((value) => !isNil(value))
        .map((value) => formatValue(value))
        .join(" "),
    ),
    indent: fn(["int", "string"], (spaces, text) => indent(spaces, text)),
    nindent: fn(["int", "string"], (spaces, text) => `\n${indent(spaces, text)}`),
    replace: fn(["string", "string", "string"], (old, replacement, text) => {
      if (replacement.length > old.length) {
        const occurrences = old === "" ? text.length + 1 : text.split(old).length - 1;
        guard.reserve("replace", text.length + occurrences * (replacement.length - old.length));
      }
      return old === "" ? insertBetweenRunes(text, replacement) : text.replaceAll(old, replacement);
    }),
    plural: fn(["string", "string", "int"], (one, many, count) => (count === 1n ? one : many)),
    snakecase: fn(["string"], (text) =>
      caseWords(text)
        .map((word) => word.toLowerCase())
        .join("_"),
    ),
    kebabcase: fn(["string"], (text) =>
      caseWords(text)
        .map((word) => word.toLowerCase())
        .join("-"),
    ),
    camelcase: fn(["string"], (text) => camelcase(text)),
    swapcase: fn(["string"], (text) => swapcase(text)),
    toString: fn(["any"], (value) => toGoString(value)),
    toStrings: fn(["any"], (value) => withGoType(toStringList(value), "[]string")),
    join: fn(["string", "any"], (separator, list) => toStringList(list).join(separator)),
    splitList: fn(["string", "string"], (separator, text) => withGoType(splitN(text, separator, -1), "[]string")),
    split: fn(["string", "string"], (separator, text) => splitToMap(splitN(text, separator, -1))),
    splitn: fn(["string", "int", "string"], (separator, count, text) =>
      splitToMap(splitN(text, separator, Number(count))),
    ),
    sortAlpha: fn(["any"], (list) =>
      withGoType(
        toStringList(list).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        "[]string",
      ),
    ),
  };
}

function insertBetweenRunes(text: string, insert: string): string {
  return insert + [...text].map((ch) => ch + insert).join("");
}

/** Go's `strings.Trim(text, cutset)`. */
function trimCutset(text: string, cutset: string): string {
  const chars = new Set(cutset);
  const runes = [...text];
  let start = 0;
  let end = runes.length;
  while (start < end && chars.has(runes[start] ?? "")) start++;
  while (end > start && chars.has(runes[end - 1] ?? "")) end--;
  return runes.slice(start, end).join("");
}
