import { query } from "jsonpath-rfc9535";
import { UsageError } from "../../errors/index.js";
import { canonicalJson, type JsonValue } from "../../util/index.js";

/**
 * kubectl's JSONPath *template* language (`-o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'`):
 * literal text, `{path}` actions, `{"quoted text"}`, and `{range path}…{end}` blocks. The paths themselves
 * are evaluated by `jsonpath-rfc9535` (RFC 9535 JSONPath); this module only adds what no JSONPath
 * library parses: the template around the paths, kubectl's relative paths (`.items[*]` for `$.items[*]`,
 * relative to the current `range` element), and member names kubectl allows unquoted but RFC 9535 does
 * not (`.data.tls-cert`, `.labels.app\.kubernetes\.io/name`), which become bracket notation.
 */
export type TemplateNode =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "path"; readonly source: string; readonly path: CompiledPath }
  | {
      readonly kind: "range";
      readonly source: string;
      readonly path: CompiledPath;
      readonly body: readonly TemplateNode[];
    };

/** A kubectl path turned into an RFC 9535 query and the node it starts from. */
export interface CompiledPath {
  /** `root` for `$…`, `current` for `.…` and `@…` (the `range` element, or the root outside any range). */
  readonly from: "root" | "current";
  readonly query: string;
}

function templateError(template: string, message: string): UsageError {
  return new UsageError(`jsonpath template ${JSON.stringify(template)}: ${message}`, {
    hint: "kubectl's syntax: -o jsonpath='{.items[*].metadata.name}' or '{range .items[*]}{.metadata.name}{\"\\n\"}{end}'",
  });
}

/** The index just past the `}` closing the action that starts at `start` (after its `{`), skipping quoted text and brackets. */
function actionEnd(template: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let index = start; index < template.length; index++) {
    const char = template[index];
    if (quote !== undefined) {
      if (char === "\\") index++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "[" || char === "(") depth++;
    else if (char === "]" || char === ")") depth--;
    else if (char === "}" && depth <= 0) return index;
  }
  return -1;
}

/** `"\t"` or `'x'` as kubectl reads a quoted literal (Go escapes). */
function unquote(text: string): string | undefined {
  if (text.length < 2 || text[0] !== text[text.length - 1]) return undefined;
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return undefined;
    }
  }
  if (text.startsWith("'")) return text.slice(1, -1).replace(/\\(.)/g, (_, char: string) => char);
  return undefined;
}

const NAME_END = /[.[\s()=!<>&|,]/;

/** Reads a kubectl member name at `start` (up to `.`, `[`, or an operator), `\.` standing for a dot. */
function readName(source: string, start: number): { readonly name: string; readonly end: number } {
  let name = "";
  let index = start;
  while (index < source.length) {
    const char = source[index] ?? "";
    if (char === "\\" && index + 1 < source.length) {
      name += source[index + 1];
      index += 2;
      continue;
    }
    if (NAME_END.test(char)) break;
    name += char;
    index++;
  }
  return { name, end: index };
}

function bracketName(name: string): string {
  return `['${name.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}']`;
}

/** The index just past the `]` that closes the bracket opened at `start`. */
function bracketEnd(source: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let index = start; index < source.length; index++) {
    const char = source[index];
    if (quote !== undefined) {
      if (char === "\\") index++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "[") depth++;
    else if (char === "]" && --depth === 0) return index + 1;
  }
  return -1;
}

/**
 * Translates the segments of a path (after its `$`/`@`, or from its leading `.`) to RFC 9535 syntax,
 * and returns where the path ends (a filter expression goes on after it).
 */
function translateSegments(
  source: string,
  start: number,
  template: string,
): { readonly text: string; readonly end: number } {
  let out = "";
  let index = start;
  while (index < source.length) {
    const char = source[index];
    if (char === ".") {
      const recursive = source[index + 1] === ".";
      index += recursive ? 2 : 1;
      if (source[index] === "*") {
        out += recursive ? "..*" : "[*]";
        index++;
        continue;
      }
      if (source[index] === "[") {
        out += recursive ? ".." : "";
        continue;
      }
      const { name, end } = readName(source, index);
      if (name === "") {
        if (recursive || index < source.length) throw templateError(template, `a "." must be followed by a field name`);
        break;
      }
      out += `${recursive ? ".." : ""}${bracketName(name)}`;
      index = end;
    } else if (char === "[") {
      const end = bracketEnd(source, index);
      if (end < 0) throw templateError(template, "unclosed [");
      const inner = source.slice(index + 1, end - 1).trim();
      out += inner.startsWith("?") ? `[?${translateFilter(inner.slice(1), template)}]` : `[${inner}]`;
      index = end;
    } else break;
  }
  return { text: out, end: index };
}

/** A filter expression with each `@…`/`$…` path in RFC 9535 syntax; operators and literals kept. */
function translateFilter(expression: string, template: string): string {
  let out = "";
  let index = 0;
  while (index < expression.length) {
    const char = expression[index] ?? "";
    if (char === '"' || char === "'") {
      let end = index + 1;
      while (end < expression.length && expression[end] !== char) end += expression[end] === "\\" ? 2 : 1;
      out += expression.slice(index, end + 1);
      index = end + 1;
    } else if (char === "@" || char === "$") {
      const { text, end } = translateSegments(expression, index + 1, template);
      out += char + text;
      index = end;
    } else {
      out += char;
      index++;
    }
  }
  return out;
}

/** Compiles one kubectl path (`.items[*].metadata.name`, `$.kind`, `@`, `..name`) for `query`. */
export function compilePath(source: string, template: string = source): CompiledPath {
  const trimmed = source.trim();
  if (trimmed === "") throw templateError(template, "an empty {} action");
  const first = trimmed[0];
  const from = first === "$" ? "root" : "current";
  if (first !== "$" && first !== "@" && first !== "." && first !== "[")
    throw templateError(template, `"${trimmed}" is not a path (paths start with ".", "$" or "@")`);
  const start = first === "$" || first === "@" ? 1 : 0;
  const { text, end } = translateSegments(trimmed, start, template);
  if (end < trimmed.length) throw templateError(template, `unexpected "${trimmed.slice(end)}" in ${trimmed}`);
  const compiled = `$${text}`;
  try {
    query(null, compiled);
  } catch (error) {
    throw templateError(template, `cannot parse ${trimmed}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { from, query: compiled };
}

/** Parses a kubectl JSONPath template; syntax errors are `E_USAGE` naming the template. */
export function parseJsonPathTemplate(template: string): readonly TemplateNode[] {
  const stack: { source: string; path: CompiledPath; body: TemplateNode[] }[] = [];
  const top: TemplateNode[] = [];
  const current = (): TemplateNode[] => stack[stack.length - 1]?.body ?? top;
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf("{", index);
    if (open < 0) {
      current().push({ kind: "text", text: template.slice(index) });
      break;
    }
    if (open > index) current().push({ kind: "text", text: template.slice(index, open) });
    const close = actionEnd(template, open + 1);
    if (close < 0) throw templateError(template, `unclosed action starting at character ${open + 1}`);
    const action = template.slice(open + 1, close).trim();
    index = close + 1;
    const literal = unquote(action);
    if (literal !== undefined) current().push({ kind: "text", text: literal });
    else if (action === "end") {
      const block = stack.pop();
      if (block === undefined) throw templateError(template, "{end} without {range}");
      current().push({ kind: "range", source: block.source, path: block.path, body: block.body });
    } else if (/^range\s/.test(action)) {
      const source = action.slice("range".length).trim();
      stack.push({ source, path: compilePath(source, template), body: [] });
    } else current().push({ kind: "path", source: action, path: compilePath(action, template) });
  }
  if (stack.length > 0) throw templateError(template, "{range} without {end}");
  return top;
}

/** How kubectl prints one result: strings as they are, everything else as compact JSON with sorted keys (Go's). */
export function formatJsonPathValue(value: JsonValue): string {
  return typeof value === "string" ? value : canonicalJson(value);
}

/** The values a compiled path selects, from the root or the current `range` element. */
export function selectPath(path: CompiledPath, root: JsonValue, current: JsonValue): JsonValue[] {
  return query(path.from === "root" ? root : current, path.query);
}

function execute(nodes: readonly TemplateNode[], root: JsonValue, current: JsonValue): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "path") out += selectPath(node.path, root, current).map(formatJsonPathValue).join(" ");
    else for (const element of selectPath(node.path, root, current)) out += execute(node.body, root, element);
  }
  return out;
}

/**
 * Runs a parsed template on `root`, as `kubectl get -o jsonpath=…` does with missing keys allowed:
 * a path that selects nothing prints nothing; several results are joined by spaces.
 */
export function executeJsonPathTemplate(nodes: readonly TemplateNode[], root: JsonValue): string {
  return execute(nodes, root, root);
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key] ?? null)]),
  );
}

function executeAsJson(nodes: readonly TemplateNode[], root: JsonValue, current: JsonValue): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += `${JSON.stringify([node.text], null, 4)}\n`;
    else if (node.kind === "path")
      out += `${JSON.stringify(selectPath(node.path, root, current).map(sortKeys), null, 4)}\n`;
    else for (const element of selectPath(node.path, root, current)) out += executeAsJson(node.body, root, element);
  }
  return out;
}

/** `-o jsonpath-as-json=…`: every action's results (and every literal) as an indented JSON array, as kubectl prints them. */
export function executeJsonPathTemplateAsJson(nodes: readonly TemplateNode[], root: JsonValue): string {
  return executeAsJson(nodes, root, root);
}
