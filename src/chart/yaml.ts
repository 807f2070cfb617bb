/**
 * YAML as Helm and Kubernetes read and write it (sigs.k8s.io/yaml over go-yaml v2): YAML 1.1
 * scalars (`0755` is 493, bare `yes`/`on`/`y` are booleans), timestamps and `1:20` stay strings,
 * duplicate keys keep the last value. Parsing is linear in the input (no pairwise duplicate-key
 * check) and aliases are capped, so a hostile `index.yaml` or chart cannot stall or explode.
 */
import { parseAllDocuments, parseDocument, stringify, type Document, type Tags } from "yaml";
import { toPlainData } from "./template/go-value.js";
import { marshalGoYaml } from "./go-yaml-emit.js";
import { PlainScalarResolver, readBlockYaml } from "./yaml-block.js";

/**
 * A float needs a digit before any exponent: go-yaml v2 takes a plain scalar as a float only when
 * Go's `ParseFloat` does, so `.`, `-.` and `.e5` stay strings (YAML 1.1's regex would make them NaN).
 */
const FLOAT_DIGIT = /^[^eE]*[0-9]/;

/** Go-yaml v2 resolves no timestamps or base-60 numbers when decoding into `interface{}` (through JSON). */
export function goYamlTags(tags: Tags): Tags {
  return tags
    .filter((tag) => typeof tag === "string" || (tag.tag !== "tag:yaml.org,2002:timestamp" && tag.format !== "TIME"))
    .map((tag) => {
      if (typeof tag === "string" || tag.tag !== "tag:yaml.org,2002:float" || tag.test === undefined) return tag;
      const test = tag.test;
      if (test.test(".inf")) return tag;
      return { ...tag, test: new RegExp(`^(?=${FLOAT_DIGIT.source.slice(1)})${test.source.slice(1)}`) };
    });
}

const PARSE_OPTIONS = { version: "1.1", uniqueKeys: false, merge: true, customTags: goYamlTags } as const;

let resolver: PlainScalarResolver | undefined;

/** The fast reader's scalar resolution, with the same schema as {@link PARSE_OPTIONS}. */
function plainScalars(): PlainScalarResolver {
  resolver ??= new PlainScalarResolver({ version: "1.1", customTags: goYamlTags });
  return resolver;
}

/** Alias expansions a document may make (yaml's count weighs nested expansions, so bombs stop early). */
const MAX_ALIAS_COUNT = 10_000;

/** A YAML syntax error with where it is. */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    /** `yaml`'s error code (`MISSING_CHAR`, `BAD_INDENT`…), when it came from `yaml`. */
    readonly code?: string,
    /** Offset of the error in the text. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = "YamlSyntaxError";
  }
}

function firstError(doc: Document): YamlSyntaxError | undefined {
  const error = doc.errors[0];
  if (error === undefined) return undefined;
  const position = error.linePos?.[0];
  return new YamlSyntaxError(
    error.message.split("\n")[0] ?? error.message,
    position?.line ?? 1,
    position?.col ?? 1,
    error.code,
    error.pos[0],
  );
}

function toValue(doc: Document): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new YamlSyntaxError(message.split("\n")[0] ?? message, 1, 1);
  }
}

/** Parses one YAML document (Chart.yaml, values.yaml, index.yaml). Throws {@link YamlSyntaxError}. */
export function readYaml(text: string): unknown {
  const fast = readBlockYaml(text, plainScalars());
  if (fast !== undefined) return fast.value;
  const doc = parseDocument(text, PARSE_OPTIONS);
  const error = firstError(doc);
  if (error !== undefined) throw error;
  return toValue(doc);
}

/**
 * The message and line go-yaml (what Helm reads manifests with) gives for the same mistake, for the
 * common ones: a line that is not `key: value` in a mapping ("could not find expected ':'", reported
 * at the next token's line), a second `: ` in a value ("mapping values are not allowed in this
 * context") and tab indentation. Scanner errors count lines from 1 as go-yaml does. Other errors
 * keep `yaml`'s wording and line.
 */
export function goYamlError(text: string, error: YamlSyntaxError): { readonly line: number; readonly message: string } {
  const lines = text.split("\n");
  const lineAt = (offset: number): number => text.slice(0, offset).split("\n").length;
  const offset = error.offset ?? 0;
  switch (error.code) {
    case "MISSING_CHAR":
    case "MULTILINE_IMPLICIT_KEY": {
      if (error.code === "MISSING_CHAR" && !error.message.startsWith("Implicit map keys")) break;
      // go-yaml notices the key lacks its ':' at the next token, or past the end of the last line.
      const keyLine = lineAt(offset);
      let next = keyLine;
      while (next < lines.length) {
        const line = (lines[next] ?? "").trim();
        if (line !== "" && !line.startsWith("#")) return { line: next + 1, message: "could not find expected ':'" };
        next++;
      }
      let last = lines.length;
      while (last > 1 && (lines[last - 1] ?? "").trim() === "") last--;
      return { line: last + 1, message: "could not find expected ':'" };
    }
    case "BLOCK_AS_IMPLICIT_KEY": {
      const colon = /:(?=[ \t\n]|$)/.exec(text.slice(offset));
      const at = colon === null ? offset : offset + colon.index;
      return { line: lineAt(at), message: "mapping values are not allowed in this context" };
    }
    case "TAB_AS_INDENT":
      return { line: error.line, message: "found character that cannot start any token" };
    default:
      break;
  }
  return { line: error.line, message: error.message.replace(/ at line \d+, column \d+:?$/, "") };
}

/** One document of a multi-document stream, with the line it starts on. */
export interface YamlDocument {
  readonly value: unknown;
  readonly line: number;
}

/** Parses every document of a stream. */
export function readYamlDocuments(text: string): YamlDocument[] {
  const fast = readBlockYaml(text, plainScalars());
  if (fast !== undefined) {
    const line = firstContentLine(text);
    return line === undefined ? [] : [{ value: fast.value, line }];
  }
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const list = Array.isArray(docs) ? docs : [];
  const out: YamlDocument[] = [];
  for (const doc of list) {
    const error = firstError(doc);
    if (error !== undefined) throw error;
    const start = doc.range[0];
    let line = 1;
    for (let i = 0; i < start && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    out.push({ value: toValue(doc), line });
  }
  return out;
}

/** The 1-based line of the first line that is neither blank nor a comment. */
function firstContentLine(text: string): number | undefined {
  let line = 1;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let at = start;
    while (at < end && text.charCodeAt(at) === 0x20) at++;
    if (at < end && text.charCodeAt(at) !== 0x23) return line;
    start = end + 1;
    line++;
  }
  return undefined;
}

/** True when the document holds only comments (or nothing). */
export function isCommentOnly(text: string): boolean {
  return text.split("\n").every((line) => line.trim() === "" || line.trim().startsWith("#"));
}

/**
 * Helm's `toYaml` (sigs.k8s.io/yaml → go-yaml v2, see `go-yaml-emit.ts`) without its final newline.
 * `indentSeq` is `toYamlPretty` (go-yaml v3 with sequences indented under their key).
 */
export function toHelmYaml(value: unknown, options: { readonly indentSeq?: boolean } = {}): string {
  if (options.indentSeq !== true) {
    const text = marshalGoYaml(value);
    return text.endsWith("\n") ? text.slice(0, -1) : text;
  }
  const data = toPlainData(value);
  const text = stringify(data, {
    version: "1.1",
    customTags: goYamlTags,
    sortMapEntries: true,
    indentSeq: true,
    lineWidth: 0,
    aliasDuplicateObjects: false,
    blockQuote: "literal",
  });
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}
