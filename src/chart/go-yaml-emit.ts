/**
 * The text Helm's `toYaml` writes: `sigs.k8s.io/yaml.Marshal`, i.e. the value through JSON and then
 * go-yaml v2's encoder. Kept byte for byte because charts hash it (`checksum/config: {{ include
 * (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}`), so a different quote or line
 * break changes the rendered objects. What go-yaml v2 does and this reproduces:
 *
 * - map keys in go-yaml's order (`keyList.Less`: digit runs compare as numbers, other characters
 *   before letters), block sequences not indented under their key, `{}` and `[]` when empty;
 * - a string is plain when go-yaml's scanner analysis allows it and it reads back as a string;
 *   one that would read as another type (`"true"`, `"1"`, `""`, `"0755"`, `"1:20"`, `"2001-12-14"`)
 *   is double-quoted; one with indicators (`'{{ x }}'`, `'a: b'`, `'*'`) single-quoted; one with
 *   a tab or a control character double-quoted with escapes; a multi-line one a literal block
 *   (`|`, `|-`, `|+`, with `|2` when it starts with a space) unless a line ends in a space;
 * - plain, single- and double-quoted strings folded at the first space past column 80;
 * - numbers as JSON leaves them and go-yaml reads them back: integers as integers, other floats in
 *   Go's shortest `%g` form (`1.2345675e+06`, `1e-06`).
 */
import { toPlainData } from "./template/go-value.js";

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

/** go-yaml's `keyList.Less` for string keys. */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return (ac.codePointAt(0) ?? 0) < (bc.codePointAt(0) ?? 0);
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ac === "0" || bc === "0") {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] as string); j--) {
        if (ar[j] !== "0") {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai] as string); ai++)
      an = an * 10n + BigInt((ar[ai] as string).charCodeAt(0) - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi] as string); bi++)
      bn = bn * 10n + BigInt((br[bi] as string).charCodeAt(0) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return (ac.codePointAt(0) ?? 0) < (bc.codePointAt(0) ?? 0);
  }
  return ar.length < br.length;
}

function isLetter(ch: string): boolean {
  return /^\p{L}$/u.test(ch);
}

function isDigit(ch: string): boolean {
  return /^\p{Nd}$/u.test(ch);
}

const compareKeys = (a: string, b: string): number => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0);

/** Go's `strconv.FormatFloat(f, 'g', -1, 64)` as go-yaml writes floats. */
function goFloat(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (value === Infinity) return ".inf";
  if (value === -Infinity) return "-.inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "0", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = Math.abs(exponent) < 10 ? `0${Math.abs(exponent)}` : String(Math.abs(exponent));
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${digits}`;
  }
  return String(value);
}

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** A number as Go's JSON encoder writes a float64 and go-yaml reads it back (an integer when it can be one). */
function goNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) {
    const big = BigInt(value);
    if ((big >= -INT64_MAX - 1n && big <= INT64_MAX) || (big >= 0n && big <= UINT64_MAX)) return big.toString();
  }
  return goFloat(value);
}

// ——— go-yaml's resolve: would this plain text read back as something other than a string? ———

const YAML11_BOOL = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "n",
  "N",
  "no",
  "No",
  "NO",
  "true",
  "True",
  "TRUE",
  "false",
  "False",
  "FALSE",
  "on",
  "On",
  "ON",
  "off",
  "Off",
  "OFF",
]);
const YAML_NULL = new Set(["", "~", "null", "Null", "NULL"]);
const YAML_SPECIAL_FLOAT = new Set([
  ".inf",
  ".Inf",
  ".INF",
  "+.inf",
  "+.Inf",
  "+.INF",
  "-.inf",
  "-.Inf",
  "-.INF",
  ".nan",
  ".NaN",
  ".NAN",
]);
/** `strconv.ParseInt(s, 0, 64)`'s forms (and ParseUint's, unsigned). */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml's `yamlStyleFloat`. */
const YAML_STYLE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** What `strconv.ParseFloat` takes after a leading `.` (go-yaml's `.` hint). */
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
/** go-yaml v2's `allowedTimestampFormats`, as Go's time.Parse reads them. */
const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[-+]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?$/;

function isTimestamp(text: string): boolean {
  const match = TIMESTAMP.exec(text);
  if (match === null) return false;
  const [, , month, day, h1, m1, s1, h2, m2, s2] = match.map((part) => (part === undefined ? undefined : Number(part)));
  const hour = h1 ?? h2 ?? 0;
  const minute = m1 ?? m2 ?? 0;
  const second = s1 ?? s2 ?? 0;
  return (
    month !== undefined &&
    month >= 1 &&
    month <= 12 &&
    day !== undefined &&
    day >= 1 &&
    day <= 31 &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}

/** go-yaml v2's `resolve` on a plain scalar, reduced to: is it a string? (and not a base-60 float, as `stringv` checks). */
function readsAsString(text: string): boolean {
  if (YAML_NULL.has(text) || YAML11_BOOL.has(text) || YAML_SPECIAL_FLOAT.has(text) || text === "<<") return false;
  const first = text.charCodeAt(0);
  if (first === 0x2e) return !DOT_FLOAT.test(text);
  if ((first >= 0x30 && first <= 0x39) || first === 0x2b || first === 0x2d) {
    if (isTimestamp(text)) return false;
    const plain = text.replaceAll("_", "");
    if (GO_INT.test(plain) || YAML_STYLE_FLOAT.test(plain)) return false;
  }
  return !BASE60_FLOAT.test(text);
}

// ——— go-yaml's emitter analysis ———

interface Analysis {
  readonly multiline: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

function isPrintable(code: number): boolean {
  return (
    code === 0x0a ||
    (code >= 0x20 && code <= 0x7e) ||
    code === 0x85 ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

const isBreakCode = (code: number): boolean =>
  code === 0x0a || code === 0x0d || code === 0x85 || code === 0x2028 || code === 0x2029;

function analyze(value: string): Analysis {
  if (value === "")
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  const chars = [...value];
  let blockIndicators = value.startsWith("---") || value.startsWith("...");
  let specialCharacters = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const code = ch.codePointAt(0) ?? 0;
    const next = chars[i + 1];
    const followedByWhitespace =
      next === undefined || next === " " || next === "\t" || isBreakCode(next.codePointAt(0) ?? 0);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      else if ((ch === "?" || ch === ":" || ch === "-") && followedByWhitespace) blockIndicators = true;
    } else if (ch === ":" && followedByWhitespace) blockIndicators = true;
    else if (ch === "#" && precededByWhitespace) blockIndicators = true;
    if (!isPrintable(code)) specialCharacters = true;
    if (ch === " ") {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreakCode(code)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = ch === " " || ch === "\t" || isBreakCode(code);
  }
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlainAllowed = false;
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
    blockAllowed = false;
  }
  if (lineBreaks) blockPlainAllowed = false;
  if (blockIndicators) blockPlainAllowed = false;
  return { multiline: lineBreaks, blockPlainAllowed, singleQuotedAllowed, blockAllowed };
}

type Style = "plain" | "single" | "double" | "literal";

/** go-yaml's `stringv` and `select_scalar_style`. */
function styleOf(value: string, simpleKey: boolean): Style {
  const analysis = analyze(value);
  let style: Style = value.includes("\n") ? "literal" : readsAsString(value) ? "plain" : "double";
  if (style === "plain" && (!analysis.blockPlainAllowed || (value === "" && simpleKey))) style = "single";
  if (style === "single" && !analysis.singleQuotedAllowed) style = "double";
  if (style === "literal" && (!analysis.blockAllowed || simpleKey)) style = "double";
  return style;
}

/** Go's JSON encoder refuses NaN and ±Inf (`json: unsupported value: NaN`), so `toYaml` gives "". */
export class UnsupportedYamlValue extends Error {
  constructor(value: string) {
    super(`json: unsupported value: ${value}`);
    this.name = "UnsupportedYamlValue";
  }
}

// ——— writers ———

class Writer {
  out = "";
  column = 0;

  write(text: string): void {
    this.out += text;
    this.column += [...text].length;
  }

  /** A line break, then `indent` spaces. */
  indent(indent: number): void {
    this.out += `\n${" ".repeat(indent)}`;
    this.column = indent;
  }

  newline(): void {
    this.out += "\n";
    this.column = 0;
  }
}

function writePlain(w: Writer, value: string, indent: number, allowBreaks: boolean): void {
  const chars = [...value];
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === " ") {
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && chars[i + 1] !== " ") w.indent(indent);
      else w.write(ch);
      spaces = true;
    } else {
      w.write(ch);
      spaces = false;
    }
  }
}

function writeSingle(w: Writer, value: string, indent: number, allowBreaks: boolean): void {
  const chars = [...value];
  w.write("'");
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === " ") {
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && i > 0 && i < chars.length - 1 && chars[i + 1] !== " ")
        w.indent(indent);
      else w.write(ch);
      spaces = true;
    } else {
      w.write(ch === "'" ? "''" : ch);
      spaces = false;
    }
  }
  w.write("'");
}

const ESCAPES: Readonly<Record<number, string>> = {
  0x00: "0",
  0x07: "a",
  0x08: "b",
  0x09: "t",
  0x0a: "n",
  0x0b: "v",
  0x0c: "f",
  0x0d: "r",
  0x1b: "e",
  0x22: '"',
  0x5c: "\\",
  0x85: "N",
  0xa0: "_",
  0x2028: "L",
  0x2029: "P",
};

function escapeOf(code: number): string {
  const named = ESCAPES[code];
  if (named !== undefined) return `\\${named}`;
  const hex = code.toString(16).toUpperCase();
  if (code <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  if (code <= 0xffff) return `\\u${hex.padStart(4, "0")}`;
  return `\\U${hex.padStart(8, "0")}`;
}

function writeDouble(w: Writer, value: string, indent: number, allowBreaks: boolean): void {
  const chars = [...value];
  w.write('"');
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const code = ch.codePointAt(0) ?? 0;
    if (!isPrintable(code) || code === 0xfeff || isBreakCode(code) || ch === '"' || ch === "\\") {
      w.write(escapeOf(code));
      spaces = false;
    } else if (ch === " ") {
      if (allowBreaks && !spaces && w.column > BEST_WIDTH && i > 0 && i < chars.length - 1) {
        w.indent(indent);
        if (chars[i + 1] === " ") w.write("\\");
      } else w.write(ch);
      spaces = true;
    } else {
      w.write(ch);
      spaces = false;
    }
  }
  w.write('"');
}

function writeLiteral(w: Writer, value: string, indent: number): void {
  let hints = "";
  const first = value.codePointAt(0) ?? 0;
  if (first === 0x20 || isBreakCode(first)) hints += String(BEST_INDENT);
  const last = value.codePointAt(value.length - 1) ?? 0;
  if (!isBreakCode(last)) hints += "-";
  else if (value.length === 1 || isBreakCode(value.codePointAt(value.length - 2) ?? 0)) hints += "+";
  w.write(`|${hints}`);
  w.newline();
  let breaks = true;
  for (const ch of value) {
    if (isBreakCode(ch.codePointAt(0) ?? 0)) {
      w.newline();
      breaks = true;
    } else {
      if (breaks) w.write(" ".repeat(indent));
      w.write(ch);
      breaks = false;
    }
  }
}

function writeString(w: Writer, value: string, indent: number, simpleKey: boolean): void {
  switch (styleOf(value, simpleKey)) {
    case "plain":
      writePlain(w, value, indent, !simpleKey);
      break;
    case "single":
      writeSingle(w, value, indent, !simpleKey);
      break;
    case "double":
      writeDouble(w, value, indent, !simpleKey);
      break;
    case "literal":
      writeLiteral(w, value, indent);
      break;
  }
}

/** A scalar's text (strings are written by {@link writeString}). */
function scalarText(value: unknown): string | undefined {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" && !Number.isFinite(value)) throw new UnsupportedYamlValue(String(value));
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return goNumber(value);
  return undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Writes a value that follows `key:` or `-` on the current line (or under it, for collections). */
function writeNode(w: Writer, value: unknown, indent: number, context: "map" | "seq" | "root"): void {
  if (typeof value === "string") {
    if (context !== "root") w.write(" ");
    writeString(w, value, indent, false);
    // A literal block that ends in a line break has already ended its line.
    if (w.column !== 0) w.newline();
    return;
  }
  const scalar = scalarText(value);
  if (scalar !== undefined) {
    w.write(context === "root" ? scalar : ` ${scalar}`);
    w.newline();
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      w.write(context === "root" ? "[]" : " []");
      w.newline();
      return;
    }
    // go-yaml v2 writes a sequence under a mapping key at the key's own indentation.
    const at = context === "map" ? indent - BEST_INDENT : indent;
    if (context === "map") w.newline();
    writeSequence(w, value, context === "seq" ? indent : at, context === "seq");
    return;
  }
  if (isMap(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) {
      w.write(context === "root" ? "{}" : " {}");
      w.newline();
      return;
    }
    if (context === "map") w.newline();
    writeMapping(w, value, indent, context === "seq");
  }
}

function writeSequence(w: Writer, list: readonly unknown[], indent: number, sameLine: boolean): void {
  list.forEach((item, i) => {
    if (i > 0 || !sameLine) w.write(" ".repeat(indent));
    else if (sameLine) w.write(" ");
    w.write("-");
    writeNode(w, item, indent + BEST_INDENT, "seq");
  });
}

function writeMapping(w: Writer, map: Record<string, unknown>, indent: number, sameLine: boolean): void {
  const keys = Object.keys(map).sort(compareKeys);
  keys.forEach((key, i) => {
    if (i > 0 || !sameLine) w.write(" ".repeat(indent));
    else if (sameLine) w.write(" ");
    const simple = [...key].length <= 128 && !key.includes("\n");
    if (simple) {
      writeString(w, key, indent, true);
      w.write(":");
      writeNode(w, map[key], indent + BEST_INDENT, "map");
    } else {
      // A key too long for a simple key is written as an explicit `? key` / `: value` pair.
      w.write("? ");
      writeString(w, key, indent + BEST_INDENT, false);
      if (!w.out.endsWith("\n")) w.newline();
      w.write(`${" ".repeat(indent)}:`);
      writeNode(w, map[key], indent + BEST_INDENT, "map");
    }
  });
}

/** `sigs.k8s.io/yaml.Marshal(value)` as text (with its final newline). */
export function marshalGoYaml(value: unknown): string {
  const data = toPlainData(value, { keepIntegers: true });
  const w = new Writer();
  if (typeof data === "string") {
    // A document-level scalar is indented as a flow node would be.
    writeString(w, data, BEST_INDENT, false);
    if (w.column !== 0) w.newline();
  } else writeNode(w, data, 0, "root");
  return w.out;
}
