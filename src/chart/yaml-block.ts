/**
 * A fast reader for the regular shape most YAML takes: block mappings and sequences, one-line plain
 * and quoted scalars, literal and folded block scalars, one-line flow collections, comments. It is
 * what rendered manifests, values files and repository indexes look like, and reading them this
 * way is several times faster than building `yaml`'s document model.
 *
 * Anything outside that shape (anchors, aliases, tags, multi-line plain or quoted scalars, complex
 * keys, merge keys, tabs, directives, non-string keys…) makes the reader give up and return
 * `undefined`, and the caller reads the text with `yaml` instead. Scalars are resolved with the
 * very tags of the `yaml` schema the full reader uses, so both readers give the same values.
 */
import { isScalar, parseDocument, type Tags } from "yaml";

/** A scalar tag of the `yaml` schema, as far as resolving plain scalars goes. */
interface ScalarTag {
  readonly default?: boolean | "key";
  readonly test?: RegExp;
  readonly resolve: (value: string, onError: (message: string) => void, options: unknown) => unknown;
  readonly collection?: string;
}

/** Thrown inside the reader when the text is outside the shape it handles. */
class GiveUp extends Error {}
// One instance, made once: giving up is frequent enough that a stack trace per throw would cost.
const giveUp = new GiveUp("not a regular block document");

function bail(): never {
  throw giveUp;
}

/** Resolves plain scalars exactly as a `yaml` document with the given options does. */
export class PlainScalarResolver {
  private readonly tags: readonly ScalarTag[];
  private readonly options: unknown;

  constructor(options: { readonly version: "1.1"; readonly customTags: (tags: Tags) => Tags }) {
    const doc = parseDocument("", { ...options });
    // yaml types schema.tags as its public `Tags` union; a YAML 1.1 schema holds only ScalarTag and CollectionTag.
    this.tags = (doc.schema.tags as unknown as ScalarTag[]).filter(
      (tag) => tag.default === true && tag.test !== undefined && tag.collection === undefined,
    );
    this.options = doc.options;
  }

  resolve(text: string): unknown {
    if (text === "") return null;
    const first = text.charCodeAt(0);
    // Every non-string tag of the schema matches text starting with one of ~ . + - 0-9 n N y Y t T f F o O.
    if (isLetter(first) && !MAYBE_TYPED_LETTER.has(first)) return text;
    if (first > 0x7e) return text;
    for (const tag of this.tags) {
      if (tag.test?.test(text) !== true) continue;
      let failed = false;
      const value = tag.resolve(
        text,
        () => {
          failed = true;
        },
        this.options,
      );
      if (failed) bail();
      return isScalar(value) ? value.value : value;
    }
    return text;
  }
}

const MAYBE_TYPED_LETTER = new Set([..."nNyYtTfFoO"].map((ch) => ch.charCodeAt(0)));

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

const SPACE = 0x20;

/** Characters that cannot start a plain scalar in block context (or start something this reader leaves alone). */
const NOT_PLAIN_START = new Set([..."[]{},#&*!|>'\"%@`"].map((ch) => ch.charCodeAt(0)));

const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  "\t": "\t",
};

function indentOf(line: string): number {
  let n = 0;
  while (n < line.length && line.charCodeAt(n) === SPACE) n++;
  return n;
}

/** True for lines that hold nothing but spaces or a comment. */
function isBlank(line: string, indent: number): boolean {
  return indent === line.length || line.charCodeAt(indent) === 0x23;
}

/** The end of the content of `text` from `start`: before a ` #` comment, trailing spaces trimmed. */
function contentEnd(text: string, start: number): number {
  let end = text.length;
  const hash = text.indexOf(" #", start);
  if (hash >= 0) end = hash;
  while (end > start && text.charCodeAt(end - 1) === SPACE) end--;
  return end;
}

interface Scalar {
  readonly value: unknown;
  /** Where the text after the scalar (and its closing quote) starts. */
  readonly end: number;
}

class BlockReader {
  private readonly lines: string[];
  private i = 0;

  constructor(
    text: string,
    private readonly resolver: PlainScalarResolver,
  ) {
    this.lines = text.split("\n");
    // The line break ending the last line does not start another line (nor do spaces after it).
    const last = this.lines[this.lines.length - 1] as string;
    if (this.lines.length > 1 && indentOf(last) === last.length) this.lines.pop();
  }

  /** Moves past blank and comment lines; returns the indent of the next line, or -1 at the end. */
  private nextIndent(): number {
    while (this.i < this.lines.length) {
      const line = this.lines[this.i] as string;
      const indent = indentOf(line);
      if (!isBlank(line, indent)) {
        if (indent === 0 && (line.startsWith("---") || line.startsWith("...") || line.startsWith("%"))) bail();
        if (line.includes("\t")) bail();
        return indent;
      }
      this.i++;
    }
    return -1;
  }

  readDocument(): unknown {
    this.skipDocumentStart();
    const indent = this.nextIndent();
    if (indent < 0) return null;
    const value = this.readNode(indent, -1);
    if (this.nextIndent() >= 0) bail();
    return value;
  }

  /** Moves past a `---` line that opens the document (before any content). */
  private skipDocumentStart(): void {
    while (this.i < this.lines.length) {
      const line = this.lines[this.i] as string;
      const indent = indentOf(line);
      if (!isBlank(line, indent)) {
        if (/^---[ ]*(?:#.*)?$/.test(line)) this.i++;
        return;
      }
      this.i++;
    }
  }

  /** Reads the node starting on the current line at column `indent`, inside a parent at `parent`. */
  private readNode(indent: number, parent: number): unknown {
    const line = this.lines[this.i] as string;
    if (isSequenceEntry(line, indent)) return this.readSequence(indent);
    if (this.keyEnd(line, indent) >= 0) return this.readMapping(indent);
    const value = this.readValue(line, indent, parent);
    return value;
  }

  /**
   * Where the key of a `key: value` line ends (the index of its `:`), or -1 when the line at
   * `indent` is not a mapping entry.
   */
  private keyEnd(line: string, indent: number): number {
    const first = line.charCodeAt(indent);
    if (first === 0x22 || first === 0x27) {
      const scalar = first === 0x22 ? readDoubleQuoted(line, indent) : readSingleQuoted(line, indent);
      if (scalar === undefined) return -1;
      let at = scalar.end;
      while (line.charCodeAt(at) === SPACE) at++;
      if (line.charCodeAt(at) !== 0x3a) return -1;
      const after = line.charCodeAt(at + 1);
      return Number.isNaN(after) || after === SPACE ? at : -1;
    }
    const colon = findMappingColon(line, indent);
    return colon;
  }

  private readKey(line: string, indent: number, colon: number): string {
    const first = line.charCodeAt(indent);
    if (first === 0x22 || first === 0x27) {
      const scalar = first === 0x22 ? readDoubleQuoted(line, indent) : readSingleQuoted(line, indent);
      if (scalar === undefined) bail();
      return scalar.value as string;
    }
    if (NOT_PLAIN_START.has(first)) bail();
    if (isIndicatorAlone(line, indent)) bail();
    let end = colon;
    while (end > indent && line.charCodeAt(end - 1) === SPACE) end--;
    const text = line.slice(indent, end);
    if (text.includes(" #")) bail();
    const key = this.resolver.resolve(text);
    if (typeof key !== "string" || key === "<<" || key === "__proto__") bail();
    return key;
  }

  private readMapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (;;) {
      const at = this.nextIndent();
      if (at < indent) break;
      if (at > indent) bail();
      const line = this.lines[this.i] as string;
      const colon = this.keyEnd(line, indent);
      if (colon < 0) bail();
      const key = this.readKey(line, indent, colon);
      let start = colon + 1;
      while (line.charCodeAt(start) === SPACE) start++;
      if (start >= line.length || line.charCodeAt(start) === 0x23) {
        this.i++;
        map[key] = this.readNested(indent, true);
      } else {
        map[key] = this.readValue(line, start, indent);
      }
    }
    return map;
  }

  /** The value of an entry whose content is on the following lines (or null when there is none). */
  private readNested(indent: number, allowSequenceAtSameIndent: boolean): unknown {
    const at = this.nextIndent();
    if (at > indent) return this.readNode(at, indent);
    if (at === indent && allowSequenceAtSameIndent && isSequenceEntry(this.lines[this.i] as string, at))
      return this.readSequence(at);
    return null;
  }

  private readSequence(indent: number): unknown[] {
    const list: unknown[] = [];
    for (;;) {
      const at = this.nextIndent();
      if (at < indent) break;
      if (at > indent) bail();
      const line = this.lines[this.i] as string;
      if (!isSequenceEntry(line, indent)) break;
      let start = indent + 1;
      while (line.charCodeAt(start) === SPACE) start++;
      if (start >= line.length || line.charCodeAt(start) === 0x23) {
        this.i++;
        list.push(this.readNested(indent, false));
        continue;
      }
      // A compact node: read it as if the line were indented to where the node starts.
      if (isSequenceEntry(line, start) || this.keyEnd(line, start) >= 0) {
        this.lines[this.i] = " ".repeat(start) + line.slice(start);
        list.push(this.readNode(start, indent));
        continue;
      }
      list.push(this.readValue(line, start, indent));
    }
    return list;
  }

  /** A scalar, block scalar or flow collection starting at `start` of the current line, in a parent at `parent`. */
  private readValue(line: string, start: number, parent: number): unknown {
    const first = line.charCodeAt(start);
    let value: unknown;
    if (first === 0x7c || first === 0x3e) {
      value = this.readBlockScalar(line, start, parent);
    } else {
      let end: number;
      if (first === 0x22 || first === 0x27) {
        const scalar = first === 0x22 ? readDoubleQuoted(line, start) : readSingleQuoted(line, start);
        if (scalar === undefined) return this.readMultiLineQuoted(start, parent);
        value = scalar.value;
        end = scalar.end;
      } else if (first === 0x5b || first === 0x7b) {
        const flow = new FlowReader(line, start, this.resolver);
        value = flow.readCollection();
        end = flow.at;
      } else {
        if (NOT_PLAIN_START.has(first)) bail();
        if (isIndicatorAlone(line, start)) bail();
        const stop = contentEnd(line, start);
        const text = line.slice(start, stop);
        if (text.includes(": ") || text.endsWith(":")) bail();
        end = stop;
        if (stop === line.length) {
          const folded = this.readPlainContinuation(text, parent);
          if (folded !== undefined) return folded;
        }
        value = this.resolver.resolve(text);
      }
      while (line.charCodeAt(end) === SPACE) end++;
      if (end < line.length && line.charCodeAt(end) !== 0x23) bail();
      if (end < line.length && line.charCodeAt(end - 1) !== SPACE) bail();
      this.i++;
    }
    // A more indented line after a scalar would continue it (a multi-line scalar): leave that to `yaml`.
    const next = this.nextIndent();
    if (next > parent && next >= 0) bail();
    return value;
  }

  /**
   * The lines that continue a plain scalar (more indented than its parent), folded as YAML folds
   * them: one line break becomes a space, n blank lines become n line breaks. Returns undefined
   * (and stays on the current line) when the scalar is on one line.
   */
  private readPlainContinuation(first: string, parent: number): unknown {
    let j = this.i + 1;
    let text = first;
    let blanks = 0;
    let continued = false;
    while (j < this.lines.length) {
      const line = this.lines[j] as string;
      const indent = indentOf(line);
      if (indent === line.length) {
        blanks++;
        j++;
        continue;
      }
      if (indent <= parent || line.charCodeAt(indent) === 0x23) break;
      if (line.includes("\t") || line.includes(" #")) bail();
      let end = line.length;
      while (line.charCodeAt(end - 1) === SPACE) end--;
      const part = line.slice(indent, end);
      if (part.includes(": ") || part.endsWith(":")) bail();
      text += blanks === 0 ? ` ${part}` : "\n".repeat(blanks) + part;
      blanks = 0;
      continued = true;
      j++;
    }
    if (!continued) return undefined;
    this.i = j;
    const value = this.resolver.resolve(text);
    const next = this.nextIndent();
    if (next > parent && next >= 0) bail();
    return value;
  }

  /**
   * A quoted scalar that spans lines, folded as YAML folds flow scalars: whitespace around line
   * breaks is dropped, one break becomes a space and n blank lines n breaks.
   */
  private readMultiLineQuoted(start: number, parent: number): unknown {
    const first = this.lines[this.i] as string;
    const double = first.charCodeAt(start) === 0x22;
    const parts = [first.slice(start + 1)];
    let j = this.i + 1;
    let closing: Scalar | undefined;
    for (; j < this.lines.length; j++) {
      const line = this.lines[j] as string;
      const indent = indentOf(line);
      if (indent < line.length && indent <= parent) bail();
      if (line.includes("\t")) bail();
      // Read the line as if it opened the scalar, to find where it closes.
      const probe = `${double ? '"' : "'"}${line}`;
      closing = double ? readDoubleQuoted(probe, 0) : readSingleQuoted(probe, 0);
      if (closing !== undefined) break;
      parts.push(line);
    }
    if (closing === undefined) bail();
    const last = this.lines[j] as string;
    const closeAt = closing.end - 1;
    parts.push(last.slice(0, closeAt - 1));
    let folded = "";
    let blanks = 0;
    for (let k = 0; k < parts.length; k++) {
      let raw = parts[k] as string;
      if (k > 0) raw = raw.replace(/^ +/, "");
      if (k < parts.length - 1) {
        raw = raw.replace(/ +$/, "");
        if (double && raw.endsWith("\\")) bail();
      }
      if (k > 0 && k < parts.length - 1 && raw === "") {
        blanks++;
        continue;
      }
      const text = double ? readDoubleQuoted(`"${raw}"`, 0)?.value : raw.replaceAll("''", "'");
      if (typeof text !== "string") bail();
      if (k > 0) folded += blanks === 0 ? " " : "\n".repeat(blanks);
      blanks = 0;
      folded += text;
    }
    let end = closeAt;
    while (last.charCodeAt(end) === SPACE) end++;
    if (end < last.length && (last.charCodeAt(end) !== 0x23 || last.charCodeAt(end - 1) !== SPACE)) bail();
    this.i = j + 1;
    const next = this.nextIndent();
    if (next > parent && next >= 0) bail();
    return folded;
  }

  private readBlockScalar(line: string, start: number, parent: number): string {
    const literal = line.charCodeAt(start) === 0x7c;
    let at = start + 1;
    let chomp: "clip" | "strip" | "keep" = "clip";
    const indicator = line.charCodeAt(at);
    if (indicator === 0x2d) chomp = "strip";
    else if (indicator === 0x2b) chomp = "keep";
    if (chomp !== "clip") at++;
    if (at < line.length && line.charCodeAt(at) !== SPACE) bail();
    while (line.charCodeAt(at) === SPACE) at++;
    if (at < line.length && line.charCodeAt(at) !== 0x23) bail();
    this.i++;
    const content: string[] = [];
    let indent = -1;
    let leadingMaxSpaces = 0;
    while (this.i < this.lines.length) {
      const text = this.lines[this.i] as string;
      const spaces = indentOf(text);
      if (spaces === text.length) {
        if (indent < 0) leadingMaxSpaces = Math.max(leadingMaxSpaces, spaces);
        else if (spaces > indent) bail();
        content.push("");
        this.i++;
        continue;
      }
      if (indent < 0) {
        if (spaces <= parent) break;
        if (leadingMaxSpaces > spaces) bail();
        indent = spaces;
      } else if (spaces < indent) break;
      content.push(text.slice(indent));
      this.i++;
    }
    let last = content.length;
    while (last > 0 && content[last - 1] === "") last--;
    const trailing = content.length - last;
    const body = content.slice(0, last);
    if (body.length === 0) {
      if (chomp === "keep" && trailing > 0) bail();
      return "";
    }
    let text: string;
    if (literal) text = body.join("\n");
    else {
      text = "";
      let blank = 0;
      for (let k = 0; k < body.length; k++) {
        const part = body[k] as string;
        if (part.charCodeAt(0) === SPACE || part.charCodeAt(0) === 0x09) bail();
        if (part === "") {
          blank++;
          continue;
        }
        if (k > 0) text += blank === 0 ? " " : "\n".repeat(blank);
        blank = 0;
        text += part;
      }
    }
    if (chomp === "strip") return text;
    if (chomp === "clip") return `${text}\n`;
    return `${text}\n${"\n".repeat(trailing)}`;
  }
}

/** `-`, `?` or `:` followed by a space or the end of the line: an indicator, not the start of a plain scalar. */
function isIndicatorAlone(line: string, at: number): boolean {
  const ch = line.charCodeAt(at);
  if (ch !== 0x2d && ch !== 0x3f && ch !== 0x3a) return false;
  const next = line.charCodeAt(at + 1);
  return Number.isNaN(next) || next === SPACE;
}

/** A `-` entry of a block sequence at `indent`. */
function isSequenceEntry(line: string, indent: number): boolean {
  if (line.charCodeAt(indent) !== 0x2d) return false;
  const next = line.charCodeAt(indent + 1);
  return Number.isNaN(next) || next === SPACE;
}

/** The `:` of a plain `key: value` at `indent` (followed by a space or the end of the line), or -1. */
function findMappingColon(line: string, indent: number): number {
  const first = line.charCodeAt(indent);
  if (first === 0x5b || first === 0x7b || first === 0x23) return -1;
  let from = indent;
  for (;;) {
    const colon = line.indexOf(":", from);
    if (colon < 0) return -1;
    const after = line.charCodeAt(colon + 1);
    if (Number.isNaN(after) || after === SPACE) {
      const hash = line.indexOf(" #", indent);
      if (hash >= 0 && hash < colon) return -1;
      return colon;
    }
    from = colon + 1;
  }
}

/** A double-quoted scalar on one line starting at `start`, or undefined when it does not close there. */
function readDoubleQuoted(line: string, start: number): Scalar | undefined {
  let out = "";
  let i = start + 1;
  let plainFrom = i;
  while (i < line.length) {
    const ch = line.charCodeAt(i);
    if (ch === 0x22) {
      out += line.slice(plainFrom, i);
      return { value: out, end: i + 1 };
    }
    if (ch === 0x5c) {
      out += line.slice(plainFrom, i);
      const next = line[i + 1];
      if (next === undefined) return undefined;
      const simple = DOUBLE_QUOTE_ESCAPES[next];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (next === "x" || next === "u" || next === "U") {
        const length = next === "x" ? 2 : next === "u" ? 4 : 8;
        const hex = line.slice(i + 2, i + 2 + length);
        if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) bail();
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) bail();
        out += String.fromCodePoint(code);
        i += 2 + length;
      } else bail();
      plainFrom = i;
      continue;
    }
    i++;
  }
  return undefined;
}

/** A single-quoted scalar on one line starting at `start`, or undefined when it does not close there. */
function readSingleQuoted(line: string, start: number): Scalar | undefined {
  let out = "";
  let i = start + 1;
  for (;;) {
    const quote = line.indexOf("'", i);
    if (quote < 0) return undefined;
    out += line.slice(i, quote);
    if (line.charCodeAt(quote + 1) === 0x27) {
      out += "'";
      i = quote + 2;
      continue;
    }
    return { value: out, end: quote + 1 };
  }
}

/** A flow collection (`[a, b]`, `{a: 1}`) that opens and closes on one line. */
class FlowReader {
  at: number;

  constructor(
    private readonly line: string,
    start: number,
    private readonly resolver: PlainScalarResolver,
  ) {
    this.at = start;
  }

  private skipSpaces(): void {
    while (this.line.charCodeAt(this.at) === SPACE) this.at++;
    if (this.line.charCodeAt(this.at) === 0x23) bail();
  }

  readCollection(): unknown {
    return this.line.charCodeAt(this.at) === 0x5b ? this.readSequence() : this.readMapping();
  }

  private readSequence(): unknown[] {
    const list: unknown[] = [];
    this.at++;
    for (;;) {
      this.skipSpaces();
      const ch = this.line.charCodeAt(this.at);
      if (ch === 0x5d) {
        this.at++;
        return list;
      }
      list.push(this.readItem());
      this.skipSpaces();
      const sep = this.line.charCodeAt(this.at);
      if (sep === 0x2c) this.at++;
      else if (sep !== 0x5d) bail();
    }
  }

  private readMapping(): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    this.at++;
    for (;;) {
      this.skipSpaces();
      const ch = this.line.charCodeAt(this.at);
      if (ch === 0x7d) {
        this.at++;
        return map;
      }
      const key = this.readItem();
      if (typeof key !== "string" || key === "<<" || key === "__proto__") bail();
      this.skipSpaces();
      if (this.line.charCodeAt(this.at) !== 0x3a) bail();
      this.at++;
      const after = this.line.charCodeAt(this.at);
      if (after !== SPACE) bail();
      this.skipSpaces();
      const next = this.line.charCodeAt(this.at);
      map[key] = next === 0x2c || next === 0x7d ? null : this.readItem();
      this.skipSpaces();
      const sep = this.line.charCodeAt(this.at);
      if (sep === 0x2c) this.at++;
      else if (sep !== 0x7d) bail();
    }
  }

  private readItem(): unknown {
    const ch = this.line.charCodeAt(this.at);
    if (ch === 0x5b || ch === 0x7b) return this.readCollection();
    if (ch === 0x22 || ch === 0x27) {
      const scalar = ch === 0x22 ? readDoubleQuoted(this.line, this.at) : readSingleQuoted(this.line, this.at);
      if (scalar === undefined) bail();
      this.at = scalar.end;
      return scalar.value;
    }
    if (NOT_PLAIN_START.has(ch) || Number.isNaN(ch)) bail();
    if (isIndicatorAlone(this.line, this.at)) bail();
    const start = this.at;
    for (;;) {
      const c = this.line.charCodeAt(this.at);
      if (Number.isNaN(c) || c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d) break;
      if (c === 0x3a) {
        const after = this.line.charCodeAt(this.at + 1);
        if (after === SPACE || after === 0x2c || after === 0x5d || after === 0x7d || Number.isNaN(after)) break;
      }
      if (c === 0x23 && this.line.charCodeAt(this.at - 1) === SPACE) bail();
      this.at++;
    }
    let end = this.at;
    while (end > start && this.line.charCodeAt(end - 1) === SPACE) end--;
    return this.resolver.resolve(this.line.slice(start, end));
  }
}

/**
 * Reads one YAML document of the regular shape described above, or returns `undefined` when the
 * text needs the full reader (which then also reports any syntax error).
 */
export function readBlockYaml(text: string, resolver: PlainScalarResolver): { readonly value: unknown } | undefined {
  if (text.includes("\r") || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return { value: new BlockReader(text, resolver).readDocument() };
  } catch (error) {
    // Nesting deeper than the stack allows is left to `yaml` too.
    if (error === giveUp || error instanceof RangeError) return undefined;
    throw error;
  }
}
