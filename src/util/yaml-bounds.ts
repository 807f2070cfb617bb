import {
  Composer,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Parser,
  type CST,
  type Document,
  type LineCounter,
} from "yaml";

/**
 * Bounds on the YAML vela-ts reads (Applications, definitions, values, `sandbox apply`, rendered
 * template output), so that no input makes parsing slower than linear or memory larger than a
 * small multiple of the input: a byte cap, a nesting cap (checked on the parser's tokens, before
 * the recursive composition, so it never depends on the stack), and caps on aliases and on the
 * values aliases expand to (the "billion laughs" bomb: nine levels of ten aliases are a billion
 * values). Go's YAML library refuses the same inputs ("excessive aliasing").
 */
export interface YamlLimits {
  /** Largest input, in UTF-8 bytes. @default 16 MiB */
  readonly maxBytes: number;
  /** Deepest nesting of mappings and sequences. @default 200 */
  readonly maxDepth: number;
  /** Alias nodes (`*name`) per document. @default 10000 */
  readonly maxAliases: number;
  /** Values per document once every alias is expanded. @default 2000000 */
  readonly maxValues: number;
  /** Documents (`---` separated) per input. @default 10000 */
  readonly maxDocuments: number;
}

/** The limits every user input gets (documented in `docs/limits.md`). */
export const DEFAULT_YAML_LIMITS: YamlLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 200,
  maxAliases: 10_000,
  maxValues: 2_000_000,
  maxDocuments: 10_000,
};

/** How to parse: the limits, and YAML 1.1 merge keys (`<<: *base`, which Helm values files use). */
export interface ParseYamlOptions {
  /** @default DEFAULT_YAML_LIMITS */
  readonly limits?: YamlLimits;
  /** @default false */
  readonly merge?: boolean;
}

/** What is wrong with a document, and where (an offset into the text). */
export interface YamlProblem {
  readonly code: "E_YAML" | "E_YAML_LIMIT";
  readonly message: string;
  readonly offset: number;
  readonly hint?: string;
}

/** Composed documents, each with the first problem found in it (undefined when it is sound). */
export interface ComposedYaml {
  readonly documents: readonly Document.Parsed[];
  readonly problems: readonly (YamlProblem | undefined)[];
  /** A problem of the whole input (too large, too many documents): no document was composed. */
  readonly inputProblem?: YamlProblem;
  /** False when the text cannot hold an alias (no `*`): values need no un-sharing. */
  readonly hasAliases?: boolean;
}

/** The byte length of `text` in UTF-8, without encoding it (the cap is checked before any work). */
function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : `${bytes} bytes`;
}

/** The deepest collection nesting of a document's tokens, walked with an explicit stack. */
function findTooDeep(document: CST.Document, maxDepth: number): number | undefined {
  const stack: { readonly token: CST.Token | null | undefined; readonly depth: number }[] = [
    { token: document.value, depth: 0 },
  ];
  while (stack.length > 0) {
    const { token, depth } = stack.pop() ?? { token: undefined, depth: 0 };
    if (token === undefined || token === null) continue;
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection") continue;
    if (depth + 1 > maxDepth) return token.offset;
    for (const item of token.items) {
      if ("key" in item && item.key !== undefined) stack.push({ token: item.key, depth: depth + 1 });
      stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

interface AliasWalk {
  readonly limits: YamlLimits;
  /** Anchor name → the node it names now (a later anchor of the same name replaces it). */
  readonly anchors: Map<string, unknown>;
  /** Expanded value count of finished nodes with an anchor. */
  readonly sizes: Map<unknown, number>;
  /** Anchored nodes being walked: an alias to one of them is a cycle. */
  readonly open: Set<unknown>;
  aliases: number;
  problem: YamlProblem | undefined;
}

function offsetOf(node: unknown): number {
  return isNode(node) && node.range ? node.range[0] : 0;
}

/** Values `node` stands for once aliases are expanded (recursion is bounded by the depth check). */
function expandedSize(walk: AliasWalk, node: unknown): number {
  if (walk.problem !== undefined) return 0;
  if (isAlias(node)) {
    walk.aliases++;
    if (walk.aliases > walk.limits.maxAliases) {
      walk.problem = {
        code: "E_YAML_LIMIT",
        message: `the document uses more than ${walk.limits.maxAliases} aliases`,
        offset: offsetOf(node),
        hint: "write the values out, or split the document",
      };
      return 0;
    }
    const target = walk.anchors.get(node.source);
    if (target === undefined) {
      walk.problem = {
        code: "E_YAML",
        message: `alias *${node.source} refers to no anchor &${node.source} before it`,
        offset: offsetOf(node),
        hint: `define the anchor first (&${node.source} on a value above), or fix the alias name`,
      };
      return 0;
    }
    if (walk.open.has(target)) {
      walk.problem = {
        code: "E_YAML",
        message: `alias *${node.source} refers to the value that contains it (a recursive structure)`,
        offset: offsetOf(node),
        hint: "YAML input must be a tree: an alias may only repeat a value that is complete",
      };
      return 0;
    }
    return walk.sizes.get(target) ?? 1;
  }
  const anchor = isNode(node) && !isAlias(node) ? node.anchor : undefined;
  if (anchor !== undefined) {
    walk.anchors.set(anchor, node);
    walk.open.add(node);
  }
  let size = 1;
  if (isMap(node)) {
    for (const pair of node.items) size += expandedSize(walk, pair.key) + expandedSize(walk, pair.value);
  } else if (isSeq(node)) {
    for (const item of node.items) size += expandedSize(walk, item);
  } else if (isPair(node)) {
    size += expandedSize(walk, node.key) + expandedSize(walk, node.value);
  }
  if (anchor !== undefined) {
    walk.open.delete(node);
    walk.sizes.set(node, size);
  }
  if (walk.problem === undefined && size > walk.limits.maxValues) {
    walk.problem = {
      code: "E_YAML_LIMIT",
      message: `aliases expand the document to more than ${walk.limits.maxValues} values (an alias bomb?)`,
      offset: offsetOf(node),
      hint: "repeat less through aliases; the expanded document must stay small",
    };
  }
  return size;
}

/** Checks aliases: defined before use, not cyclic, not too many, not expanding past the value cap. */
function checkAliases(document: Document.Parsed, limits: YamlLimits): YamlProblem | undefined {
  const walk: AliasWalk = {
    limits,
    anchors: new Map(),
    sizes: new Map(),
    open: new Set(),
    aliases: 0,
    problem: undefined,
  };
  expandedSize(walk, document.contents);
  return walk.problem;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  if (isNode(key)) return JSON.stringify(key.toJSON());
  return String(key);
}

/**
 * The first mapping with a key twice (as JSON sees keys: `1` and `"1"` are the same key), in one
 * pass with a set per mapping; the `yaml` library's own check compares every pair (quadratic).
 */
export function findDuplicateKey(node: unknown): YamlProblem | undefined {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (isMap(current)) {
      const seen = new Set<string>();
      for (const pair of current.items) {
        const key = keyText(pair.key);
        if (seen.has(key)) {
          return {
            code: "E_YAML",
            message: `duplicate key ${JSON.stringify(key)} in a mapping`,
            offset: offsetOf(pair.key),
            hint: "each key may appear once in a mapping: remove or rename one of them",
          };
        }
        seen.add(key);
        stack.push(pair.value);
      }
    } else if (isSeq(current)) {
      for (const item of current.items) stack.push(item);
    }
  }
  return undefined;
}

/**
 * Parses `text` into YAML documents within `limits`: input size and document count first, then
 * each document's nesting on the parser's tokens, then composition (with the `yaml` library's
 * syntax errors), duplicate keys and aliases. A document with a problem is returned with it; the
 * caller turns problems into its own errors.
 */
export function composeBounded(
  text: string,
  lineCounter: LineCounter | undefined,
  options: ParseYamlOptions = {},
): ComposedYaml {
  const limits = options.limits ?? DEFAULT_YAML_LIMITS;
  const bytes = utf8Length(text);
  if (bytes > limits.maxBytes) {
    return {
      documents: [],
      problems: [],
      inputProblem: {
        code: "E_YAML_LIMIT",
        message: `the input is ${formatBytes(bytes)}, more than the ${formatBytes(limits.maxBytes)} vela-ts reads`,
        offset: 0,
        hint: "split it into smaller files",
      },
    };
  }
  const parser = new Parser(lineCounter?.addNewLine);
  const tokens: CST.Token[] = [];
  let documents = 0;
  for (const token of parser.parse(text)) {
    tokens.push(token);
    if (token.type !== "document") continue;
    documents++;
    if (documents > limits.maxDocuments) {
      return {
        documents: [],
        problems: [],
        inputProblem: {
          code: "E_YAML_LIMIT",
          message: `the input holds more than ${limits.maxDocuments} documents`,
          offset: token.offset,
          hint: "split it into smaller files",
        },
      };
    }
  }
  for (const token of tokens) {
    if (token.type !== "document") continue;
    // Composition is recursive: a document nested too deep is refused before it is composed.
    const offset = findTooDeep(token, limits.maxDepth);
    if (offset === undefined) continue;
    return {
      documents: [],
      problems: [],
      inputProblem: {
        code: "E_YAML_LIMIT",
        message: `a document nests mappings and lists more than ${limits.maxDepth} levels deep`,
        offset,
        hint: "flatten the structure",
      },
    };
  }
  // Warnings (an unresolved tag, a key that is a collection) stay out of the process's stderr.
  const composer = new Composer({
    prettyErrors: false,
    uniqueKeys: false,
    merge: options.merge === true,
    logLevel: "error",
  });
  const composed = [...composer.compose(tokens)];
  // Without a `*` there is no alias to check (the common case: skip the walk).
  const mayAlias = text.includes("*");
  return {
    documents: composed,
    problems: composed.map((document) => {
      if (document.errors.length > 0) return undefined;
      return findDuplicateKey(document.contents) ?? (mayAlias ? checkAliases(document, limits) : undefined);
    }),
    hasAliases: mayAlias,
  };
}

/**
 * Every document of `text` as a plain value, within `limits`; or the first problem. For callers
 * that need values only and report problems in their own terms (the CUE engine's `encoding/yaml`).
 */
export function parseBoundedYamlValues(
  text: string,
  options: ParseYamlOptions = {},
): { readonly values: readonly unknown[] } | { readonly problem: YamlProblem } {
  const composed = composeBounded(text, undefined, options);
  if (composed.inputProblem !== undefined) return { problem: composed.inputProblem };
  const values: unknown[] = [];
  for (const [index, document] of composed.documents.entries()) {
    const error = document.errors[0];
    if (error !== undefined) {
      const message = (error.message.split("\n")[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, "");
      return { problem: { code: "E_YAML", message, offset: error.pos[0] } };
    }
    const problem = composed.problems[index];
    if (problem !== undefined) return { problem };
    // Aliases are checked and bounded above; a JSON round trip un-shares what they repeat.
    const value: unknown = document.toJS({ maxAliasCount: -1 });
    values.push(composed.hasAliases === true ? (JSON.parse(JSON.stringify(value ?? null)) as unknown) : value);
  }
  return { values };
}
