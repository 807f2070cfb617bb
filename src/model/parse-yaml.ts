import {
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Scalar,
  type Document,
  type Pair,
  type YAMLMap,
} from "yaml";
import { ValidationError, type SourceLocation, type ValidationIssue } from "../errors/index.js";
import {
  composeBounded,
  joinPointer,
  parsePointer,
  toPointer,
  type JsonValue,
  type ParseYamlOptions,
  type YamlProblem,
} from "../util/index.js";

export { DEFAULT_YAML_LIMITS, type ParseYamlOptions, type YamlLimits } from "../util/index.js";

/** 1-based line and column inside one file. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** What the SourceMap knows about one JSON pointer of a document. */
export interface SourceEntry {
  /** Where the value starts (for a block scalar `|`, the indicator; see {@link SourceEntry.blockScalar}). */
  readonly value: SourcePosition;
  /** Where the mapping key of this value is, when the value sits in a mapping. */
  readonly key?: SourcePosition;
  /** The comment right above the key (without `#`), e.g. ` +usage=number of replicas`. */
  readonly comment?: string;
  /** True for `|`/`>` scalars: their text starts on the line after {@link SourceEntry.value}. */
  readonly blockScalar?: boolean;
}

/**
 * Maps JSON pointers of one YAML document to places in its file, so every later stage can say
 * file:line:col for a problem it finds at a pointer (STYLE §6).
 */
export interface SourceMap {
  readonly file: string;
  readonly entries: ReadonlyMap<string, SourceEntry>;
}

/** One parsed YAML document: its plain JSON value and where each part of it came from. */
export interface YamlDocument {
  readonly value: JsonValue;
  readonly sourceMap: SourceMap;
  /** 0-based position of the document in its file (`---` separated). */
  readonly index: number;
}

/**
 * The best source location for a pointer: the entry itself, else its nearest ancestor. Mappings
 * and sequences point at their key (`properties:`), scalars at their value.
 */
export function locateInSource(map: SourceMap | undefined, pointer: string): SourceLocation | undefined {
  if (map === undefined) return undefined;
  let segments: string[];
  try {
    segments = parsePointer(pointer);
  } catch {
    return undefined;
  }
  for (let length = segments.length; length >= 0; length--) {
    const entry = map.entries.get(toPointer(segments.slice(0, length)));
    if (entry !== undefined) {
      const position = length < segments.length ? (entry.key ?? entry.value) : entry.value;
      return { file: map.file, line: position.line, column: position.column };
    }
  }
  return undefined;
}

/** The comment right above the key at `pointer`, if any. */
export function commentAt(map: SourceMap | undefined, pointer: string): string | undefined {
  return map?.entries.get(pointer)?.comment;
}

/** The file line on which the text of the (block) scalar at `pointer` starts. */
export function textLineAt(map: SourceMap | undefined, pointer: string): number | undefined {
  const entry = map?.entries.get(pointer);
  if (entry === undefined) return undefined;
  return entry.value.line + (entry.blockScalar === true ? 1 : 0);
}

interface Walker {
  readonly lineCounter: LineCounter;
  readonly entries: Map<string, SourceEntry>;
}

function positionOf(walker: Walker, offset: number): SourcePosition {
  const { line, col } = walker.lineCounter.linePos(offset);
  return { line, column: col };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  if (isNode(key)) return String(key.toJSON());
  return String(key);
}

function commentAbove(pair: Pair, map: YAMLMap, index: number): string | undefined {
  const own = isNode(pair.key) ? pair.key.commentBefore : undefined;
  if (own !== undefined && own !== null) return own;
  return index === 0 ? (map.commentBefore ?? undefined) : undefined;
}

function walkNode(
  walker: Walker,
  node: unknown,
  pointer: string,
  key: SourcePosition | undefined,
  comment: string | undefined,
): void {
  if (!isNode(node) || isAlias(node)) return;
  const range = node.range;
  if (range === undefined || range === null) return;
  const blockScalar = isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED);
  walker.entries.set(pointer, {
    value: positionOf(walker, range[0]),
    ...(key === undefined ? {} : { key }),
    ...(comment === undefined ? {} : { comment }),
    ...(blockScalar ? { blockScalar: true } : {}),
  });
  if (isMap(node)) {
    node.items.forEach((pair, index) => {
      const keyNode = pair.key;
      const keyPosition = isNode(keyNode) && keyNode.range ? positionOf(walker, keyNode.range[0]) : undefined;
      walkNode(
        walker,
        pair.value,
        joinPointer(pointer, keyText(keyNode)),
        keyPosition,
        commentAbove(pair, node, index),
      );
    });
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      walkNode(walker, item, joinPointer(pointer, index), undefined, undefined);
    });
  }
}

/** The pair whose key is a block collection: in block YAML that is always an indentation mistake. */
function findCollectionKey(node: unknown): { readonly pair: Pair; readonly parent: YAMLMap } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isMap(pair.key) || isSeq(pair.key)) return { pair, parent: node };
      const found = findCollectionKey(pair.value);
      if (found !== undefined) return found;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const found = findCollectionKey(item);
      if (found !== undefined) return found;
    }
  } else if (isPair(node)) {
    return findCollectionKey(node.value);
  }
  return undefined;
}

function firstTokenOffset(text: string, offset: number): number {
  let at = offset;
  while (at < text.length && /\s/.test(text[at] ?? "")) at++;
  return at < text.length ? at : offset;
}

function yamlIssue(
  text: string,
  file: string,
  document: Document.Parsed,
  lineCounter: LineCounter,
): ValidationIssue | undefined {
  const error = document.errors[0];
  if (error === undefined) return undefined;
  const where = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const misplaced =
    error.code === "BLOCK_AS_IMPLICIT_KEY" || error.code === "MULTILINE_IMPLICIT_KEY"
      ? findCollectionKey(document.contents)
      : undefined;
  const keyRange = misplaced && isNode(misplaced.pair.key) ? misplaced.pair.key.range : undefined;
  if (misplaced !== undefined && keyRange && misplaced.parent.range) {
    const item = where(keyRange[0]);
    return {
      code: "E_YAML",
      message: "invalid YAML: a block sequence or mapping sits where a key of this mapping is expected",
      source: where(misplaced.parent.range[0]),
      hint:
        `the block at line ${item.line}, column ${item.column} is indented like a key of the mapping ` +
        "that starts here; indent it under a key or move it out",
    };
  }
  const detail = error.message.split("\n")[0] ?? error.message;
  return {
    code: "E_YAML",
    message: `invalid YAML: ${detail.replace(/ at line \d+, column \d+:?$/, "").replace(/^./, (c) => c.toLowerCase())}`,
    source: where(firstTokenOffset(text, error.pos[0])),
    hint: "check the indentation and quoting around this line",
  };
}

function isEmptyDocument(document: Document.Parsed): boolean {
  const contents = document.contents;
  return (
    contents === null || (isScalar(contents) && contents.value === null && contents.range[1] - contents.range[0] === 0)
  );
}

function problemIssue(problem: YamlProblem, file: string, lineCounter: LineCounter): ValidationIssue {
  const { line, col } = lineCounter.linePos(problem.offset);
  return {
    code: problem.code,
    message: problem.code === "E_YAML" ? `invalid YAML: ${problem.message}` : problem.message,
    // An input refused before parsing has no lines counted yet: its problem is at its start.
    source: { file, line: Math.max(1, line), column: Math.max(1, col) },
    ...(problem.hint === undefined ? {} : { hint: problem.hint }),
  };
}

/** The plain JSON value of a checked document: aliases expanded into copies (never shared objects). */
function plainValue(document: Document.Parsed, mayAlias: boolean): JsonValue {
  const value = document.toJS({ maxAliasCount: -1 }) as JsonValue;
  return mayAlias && hasAliases(document.contents) ? (JSON.parse(JSON.stringify(value)) as JsonValue) : value;
}

function hasAliases(node: unknown): boolean {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (isAlias(current)) return true;
    if (isMap(current)) for (const pair of current.items) stack.push(pair.key, pair.value);
    else if (isSeq(current)) for (const item of current.items) stack.push(item);
  }
  return false;
}

/**
 * Parses a (multi-document) YAML text into plain JSON values, each with a {@link SourceMap}, within
 * `limits` (size, nesting, aliases: see {@link YamlLimits}). Empty documents (a trailing `---`) are
 * skipped. Syntax errors, duplicate keys, undefined aliases and exceeded limits become one issue per
 * broken document (the first problem in it; later ones are usually its consequences), all thrown
 * together as a ValidationError.
 */
export function parseYamlDocuments(text: string, file: string, options: ParseYamlOptions = {}): YamlDocument[] {
  const lineCounter = new LineCounter();
  const composed = composeBounded(text, lineCounter, options);
  if (composed.inputProblem !== undefined)
    throw new ValidationError([problemIssue(composed.inputProblem, file, lineCounter)]);
  const issues: ValidationIssue[] = [];
  const result: YamlDocument[] = [];
  composed.documents.forEach((document, index) => {
    const issue = yamlIssue(text, file, document, lineCounter);
    if (issue !== undefined) {
      issues.push(issue);
      return;
    }
    const problem = composed.problems[index];
    if (problem !== undefined) {
      issues.push(problemIssue(problem, file, lineCounter));
      return;
    }
    if (isEmptyDocument(document)) return;
    const walker: Walker = { lineCounter, entries: new Map() };
    walkNode(walker, document.contents, "", undefined, undefined);
    result.push({
      value: plainValue(document, composed.hasAliases !== false),
      sourceMap: { file, entries: walker.entries },
      index,
    });
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return result;
}

/**
 * Parses YAML that must hold at most one document (a values file, a `--set` value, a request
 * body) into its plain JSON value (`null` for an empty text), within the same limits.
 */
export function parseYamlValue(text: string, file: string, options: ParseYamlOptions = {}): JsonValue {
  const documents = parseYamlDocuments(text, file, options);
  if (documents.length > 1) {
    throw new ValidationError([
      {
        code: "E_YAML",
        message: `${file} holds ${documents.length} YAML documents where one is expected`,
        hint: "remove the extra `---` documents",
      },
    ]);
  }
  return documents[0]?.value ?? null;
}

/** A problem found by {@link parseYamlText}: what and at which offset of the text. */
export interface YamlTextProblem {
  readonly message: string;
  readonly offset: number;
}

/** Options of {@link parseYamlText}. */
export interface ParseYamlTextOptions extends ParseYamlOptions {
  /**
   * Called with the parsed, checked document before it becomes a plain value: lets a caller put
   * values into scalars it left as placeholders (the YAML-safe handlebars values).
   * @default none
   */
  readonly beforeValue?: (document: Document.Parsed) => void;
}

/**
 * Parses one YAML document of generated text (a rendered template) within the limits, for callers
 * that map problems to their own source: returns the value, or the first problem and its offset.
 */
export function parseYamlText(
  text: string,
  options: ParseYamlTextOptions = {},
): { readonly value: JsonValue } | { readonly problem: YamlTextProblem } {
  const composed = composeBounded(text, undefined, options);
  if (composed.inputProblem !== undefined) return { problem: composed.inputProblem };
  if (composed.documents.length > 1) {
    const second = composed.documents[1];
    return { problem: { message: "it holds more than one YAML document", offset: second?.range[0] ?? 0 } };
  }
  const document = composed.documents[0];
  if (document === undefined) return { value: null };
  const error = document.errors[0];
  if (error !== undefined) {
    const detail = (error.message.split("\n")[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, "");
    return { problem: { message: detail, offset: error.pos[0] } };
  }
  const problem = composed.problems[0];
  if (problem !== undefined) return { problem };
  options.beforeValue?.(document);
  return { value: plainValue(document, composed.hasAliases !== false) };
}
