/** Sprig's string functions (`Masterminds/sprig` strings.go, regex.go), over Go template values. */
import { quoteGo } from "./format.js";
import { isNil, toGoString, toIntNumber, type TemplateFunc } from "./go-value.js";

const s = toGoString;

/** Sprig's `strslice`: a list of strings from a list (nil items dropped) or a single value. */
export function toStringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item) => !isNil(item)).map(s);
  if (isNil(value)) return [];
  return [s(value)];
}

function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== "");
}

function title(text: string): string {
  return text.replace(
    /(^|[^\p{L}\p{N}_'])(\p{L})/gu,
    (_match, before: string, letter: string) => before + letter.toUpperCase(),
  );
}

function untitle(text: string): string {
  return text.replace(/(^|\s)(\S)/g, (_match, before: string, letter: string) => before + letter.toLowerCase());
}

function substr(start: number, end: number, text: string): string {
  if (start < 0) return text.slice(0, end);
  if (end < 0 || end > text.length) return text.slice(start);
  return text.slice(start, end);
}

function trunc(count: number, text: string): string {
  if (count < 0 && text.length + count > 0) return text.slice(text.length + count);
  if (count >= 0 && text.length > count) return text.slice(0, count);
  return text;
}

function wrap(width: number, text: string, separator = "\n"): string {
  const limit = width < 1 ? 1 : width;
  return text
    .split("\n")
    .map((line) => {
      const words = line.split(" ");
      const out: string[] = [];
      let current = "";
      for (const word of words) {
        if (current === "") current = word;
        else if (current.length + 1 + word.length <= limit) current += ` ${word}`;
        else {
          out.push(current);
          current = word;
        }
      }
      out.push(current);
      return out.join(separator);
    })
    .join("\n");
}

function trimCutset(text: string, cutset: string, left: boolean, right: boolean): string {
  const chars = new Set(cutset);
  let start = 0;
  let end = text.length;
  if (left) while (start < end && chars.has(text[start] ?? "")) start++;
  if (right) while (end > start && chars.has(text[end - 1] ?? "")) end--;
  return text.slice(start, end);
}

/** Go RE2 syntax to a JS RegExp: leading inline flags `(?i)`, `(?s)`, `(?m)` become JS flags. */
export function goRegExp(pattern: string, global = false): RegExp {
  let flags = global ? "gu" : "u";
  let body = pattern;
  const inline = /^\(\?([imsU]+)\)/.exec(body);
  if (inline !== null) {
    body = body.slice(inline[0].length);
    for (const flag of inline[1] ?? "") if (flag !== "U" && !flags.includes(flag)) flags += flag;
  }
  body = body.replace(/\(\?P</g, "(?<").replace(/\\z/g, "$");
  try {
    return new RegExp(body, flags);
  } catch {
    return new RegExp(body, flags.replace("u", ""));
  }
}

/** Go's `Regexp.Expand` template (`$1`, `${1}`, `${name}`) to JS's replacement syntax. */
function goReplacement(template: string): string {
  return template.replace(
    /\$\$|\$\{(\w+)\}|\$(\w+)/g,
    (match, braced: string | undefined, bare: string | undefined) => {
      if (match === "$$") return "$$";
      const name = braced ?? bare ?? "";
      return /^\d+$/.test(name) ? `$${name}` : `$<${name}>`;
    },
  );
}

function xstringsCamel(text: string): string {
  return text
    .split(/[_\s-]+/)
    .filter((part) => part !== "")
    .map((part) => (part[0] ?? "").toUpperCase() + part.slice(1))
    .join("");
}

/** Sprig's string functions. */
export const SPRIG_STRINGS: Readonly<Record<string, TemplateFunc>> = {
  trim: (text) => s(text).trim(),
  trimAll: (cutset, text) => trimCutset(s(text), s(cutset), true, true),
  trimSuffix: (suffix, text) =>
    s(text).endsWith(s(suffix)) && s(suffix) !== "" ? s(text).slice(0, -s(suffix).length) : s(text),
  trimPrefix: (prefix, text) => (s(text).startsWith(s(prefix)) ? s(text).slice(s(prefix).length) : s(text)),
  upper: (text) => s(text).toUpperCase(),
  lower: (text) => s(text).toLowerCase(),
  title: (text) => title(s(text)),
  untitle: (text) => untitle(s(text)),
  repeat: (count, text) => s(text).repeat(Math.max(0, toIntNumber(count))),
  substr: (start, end, text) => substr(toIntNumber(start), toIntNumber(end), s(text)),
  nospace: (text) => s(text).replace(/\s+/g, ""),
  trunc: (count, text) => trunc(toIntNumber(count), s(text)),
  abbrev: (width, text) => {
    const w = toIntNumber(width);
    const str = s(text);
    return w < 4 || str.length <= w ? str : `${str.slice(0, w - 3)}...`;
  },
  abbrevboth: (left, right, text) => {
    const str = s(text);
    const l = toIntNumber(left);
    const r = toIntNumber(right);
    const trimmed = l > 4 && str.length > l ? `...${str.slice(l)}` : str;
    return r >= 4 && trimmed.length > r ? `${trimmed.slice(0, r - 3)}...` : trimmed;
  },
  initials: (text) =>
    s(text)
      .split(/\s+/)
      .filter((word) => word !== "")
      .map((word) => word[0])
      .join(""),
  wrap: (width, text) => wrap(toIntNumber(width), s(text)),
  wrapWith: (width, separator, text) => wrap(toIntNumber(width), s(text), s(separator)),
  contains: (substring, text) => s(text).includes(s(substring)),
  hasPrefix: (prefix, text) => s(text).startsWith(s(prefix)),
  hasSuffix: (suffix, text) => s(text).endsWith(s(suffix)),
  quote: (...values) =>
    values
      .filter((value) => !isNil(value))
      .map((value) => quoteGo(s(value)))
      .join(" "),
  squote: (...values) =>
    values
      .filter((value) => !isNil(value))
      .map((value) => `'${s(value)}'`)
      .join(" "),
  cat: (...values) =>
    values
      .filter((value) => !isNil(value))
      .map(s)
      .join(" "),
  indent: (count, text) => {
    const pad = " ".repeat(Math.max(0, toIntNumber(count)));
    return pad + s(text).replaceAll("\n", `\n${pad}`);
  },
  nindent: (count, text) => {
    const pad = " ".repeat(Math.max(0, toIntNumber(count)));
    return `\n${pad}${s(text).replaceAll("\n", `\n${pad}`)}`;
  },
  replace: (old, replacement, text) => s(text).replaceAll(s(old), s(replacement)),
  plural: (one, many, count) => (toIntNumber(count) === 1 ? s(one) : s(many)),
  snakecase: (text) =>
    splitWords(s(text))
      .map((word) => word.toLowerCase())
      .join("_"),
  kebabcase: (text) =>
    splitWords(s(text))
      .map((word) => word.toLowerCase())
      .join("-"),
  camelcase: (text) => xstringsCamel(s(text)),
  swapcase: (text) =>
    [...s(text)].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join(""),
  ["toString"]: (value: unknown) => s(value),
  toStrings: (value) => toStringList(value),
  join: (separator, list) => toStringList(list).join(s(separator)),
  splitList: (separator, text) => s(text).split(s(separator)),
  split: (separator, text) =>
    Object.fromEntries(
      s(text)
        .split(s(separator))
        .map((part, i) => [`_${i}`, part]),
    ),
  splitn: (separator, count, text) => {
    const n = toIntNumber(count);
    const parts = s(text).split(s(separator));
    const limited =
      n > 0 && parts.length > n ? [...parts.slice(0, n - 1), parts.slice(n - 1).join(s(separator))] : parts;
    return Object.fromEntries(limited.map((part, i) => [`_${i}`, part]));
  },
  sortAlpha: (list) => toStringList(list).sort(),
  regexMatch: (pattern, text) => goRegExp(s(pattern)).test(s(text)),
  mustRegexMatch: (pattern, text) => goRegExp(s(pattern)).test(s(text)),
  regexFind: (pattern, text) => goRegExp(s(pattern)).exec(s(text))?.[0] ?? "",
  mustRegexFind: (pattern, text) => goRegExp(s(pattern)).exec(s(text))?.[0] ?? "",
  regexFindAll: (pattern, text, count) => {
    const all = [...s(text).matchAll(goRegExp(s(pattern), true))].map((match) => match[0]);
    const n = toIntNumber(count);
    return n < 0 ? all : all.slice(0, n);
  },
  regexReplaceAll: (pattern, text, replacement) =>
    s(text).replace(goRegExp(s(pattern), true), goReplacement(s(replacement))),
  mustRegexReplaceAll: (pattern, text, replacement) =>
    s(text).replace(goRegExp(s(pattern), true), goReplacement(s(replacement))),
  regexReplaceAllLiteral: (pattern, text, replacement) =>
    s(text).replace(goRegExp(s(pattern), true), () => s(replacement)),
  regexSplit: (pattern, text, count) => {
    const parts = s(text).split(goRegExp(s(pattern), true));
    const n = toIntNumber(count);
    return n < 0 ? parts : parts.slice(0, n);
  },
  regexQuoteMeta: (text) => s(text).replace(/[\\.+*?()|[\]{}^$]/g, "\\$&"),
};
