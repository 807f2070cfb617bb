import Handlebars from "handlebars";
import { parseDocument, stringify } from "yaml";
import { VelaError, type SourceLocation } from "../errors/index.js";
import type { CompileCache, TemplateSource } from "../definitions/index.js";
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../util/index.js";

/**
 * The only place handlebars is used (STYLE §3): an isolated `Handlebars.create()` environment per
 * registry cache, strict mode, no HTML escaping, and the fixed helper set of docs/definitions.md.
 * Templates produce YAML text which is parsed here; errors point at the definition file line.
 */

type HelperArgs = unknown[];

function args(raw: HelperArgs): unknown[] {
  return raw.slice(0, -1);
}

function indentText(spaces: unknown, text: unknown): string {
  const pad = " ".repeat(typeof spaces === "number" ? spaces : Number(spaces));
  return String(text ?? "")
    .split("\n")
    .map((line) => (line === "" ? line : pad + line))
    .join("\n");
}

function lengthOf(value: unknown): number {
  if (typeof value === "string" || Array.isArray(value)) return value.length;
  if (isJsonObject(value)) return Object.keys(value).length;
  return 0;
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === "string") return haystack.includes(String(needle));
  if (Array.isArray(haystack)) return haystack.some((item) => jsonEqual(item, needle));
  if (isJsonObject(haystack)) return Object.hasOwn(haystack, String(needle));
  return false;
}

/** The fixed helper set (docs/definitions.md "Templates"). Each gets its arguments without handlebars' options object. */
const HELPERS: Readonly<Record<string, (...raw: HelperArgs) => unknown>> = {
  json: (...raw) => JSON.stringify(args(raw)[0] ?? null),
  toYaml: (...raw) => stringify(args(raw)[0] ?? null, { lineWidth: 0 }).trimEnd(),
  indent: (...raw) => indentText(args(raw)[0], args(raw)[1]),
  nindent: (...raw) => `\n${indentText(args(raw)[0], args(raw)[1])}`,
  default: (...raw) => {
    const [value, fallback] = args(raw);
    return value === null || value === undefined || value === "" ? fallback : value;
  },
  eq: (...raw) => jsonEqual(args(raw)[0], args(raw)[1]),
  ne: (...raw) => !jsonEqual(args(raw)[0], args(raw)[1]),
  lt: (...raw) => (args(raw)[0] as number) < (args(raw)[1] as number),
  le: (...raw) => (args(raw)[0] as number) <= (args(raw)[1] as number),
  gt: (...raw) => (args(raw)[0] as number) > (args(raw)[1] as number),
  ge: (...raw) => (args(raw)[0] as number) >= (args(raw)[1] as number),
  and: (...raw) => args(raw).every(Boolean),
  or: (...raw) => args(raw).some(Boolean),
  not: (...raw) => !args(raw)[0],
  join: (...raw) => {
    const [list, separator] = args(raw);
    return Array.isArray(list) ? list.map(String).join(typeof separator === "string" ? separator : ",") : "";
  },
  lower: (...raw) => String(args(raw)[0] ?? "").toLowerCase(),
  upper: (...raw) => String(args(raw)[0] ?? "").toUpperCase(),
  trunc: (...raw) => String(args(raw)[0] ?? "").slice(0, Number(args(raw)[1])),
  quote: (...raw) => JSON.stringify(String(args(raw)[0] ?? "")),
  concat: (...raw) => {
    const values = args(raw);
    return values.every(Array.isArray)
      ? (values as unknown[][]).flat()
      : values.map((value) => String(value ?? "")).join("");
  },
  contains: (...raw) => contains(args(raw)[0], args(raw)[1]),
  len: (...raw) => lengthOf(args(raw)[0]),
  hasKey: (...raw) => isJsonObject(args(raw)[0]) && Object.hasOwn(args(raw)[0] as object, String(args(raw)[1])),
  get: (...raw) => {
    const [object, key] = args(raw);
    if (Array.isArray(object)) return object[Number(key)] ?? null;
    return isJsonObject(object) ? (object[String(key)] ?? null) : null;
  },
  list: (...raw) => args(raw),
  pluck: (...raw) => {
    const [list, field] = args(raw);
    return Array.isArray(list) ? list.map((item) => (isJsonObject(item) ? (item[String(field)] ?? null) : null)) : [];
  },
  dict: (...raw) => {
    const values = args(raw);
    const result: Record<string, unknown> = {};
    for (let index = 0; index + 1 < values.length; index += 2) result[String(values[index])] = values[index + 1];
    return result;
  },
  int: (...raw) => {
    const value = args(raw)[0];
    const number =
      typeof value === "number" ? value : typeof value === "string" ? Number.parseInt(value, 10) : Number.NaN;
    return Number.isFinite(number) ? Math.trunc(number) : null;
  },
  replace: (...raw) => {
    const [text, from, to] = args(raw);
    return String(text ?? "").replaceAll(String(from), String(to ?? ""));
  },
};

/** Names of the fixed helpers, for docs and `def init`. */
export const TEMPLATE_HELPERS: readonly string[] = Object.keys(HELPERS);

/** Context keys templates may read (docs/definitions.md). */
export const CONTEXT_KEYS: readonly string[] = [
  "name",
  "appName",
  "namespace",
  "appRevision",
  "appRevisionNum",
  "revision",
  "publishVersion",
  "componentType",
  "components",
  "appLabels",
  "appAnnotations",
  "output",
  "outputs",
  "stepName",
  "workflowName",
];

type HandlebarsEnv = ReturnType<typeof Handlebars.create>;

function createEnvironment(): HandlebarsEnv {
  const env = Handlebars.create();
  env.unregisterHelper("log");
  for (const [name, helper] of Object.entries(HELPERS)) env.registerHelper(name, helper);
  return env;
}

/** A compiled template: data in, text out. */
export type CompiledTemplate = (data: JsonObject) => string;

/** What a template is for, to name it in errors. */
export interface TemplateOrigin {
  /** E.g. `definition "webservice" output`; the same for every use of the template (it is compiled once). */
  readonly subject: string;
}

function templateLocation(
  template: TemplateSource,
  line: number | undefined,
  column: number | undefined,
): SourceLocation {
  return { file: template.file, line: template.line + Math.max(0, (line ?? 1) - 1), column: (column ?? 0) + 1 };
}

function templateError(
  code: "E_TEMPLATE" | "E_TEMPLATE_YAML",
  subject: string,
  detail: string,
  template: TemplateSource,
  line: number | undefined,
  column: number | undefined,
  hint: string,
  cause?: unknown,
): VelaError {
  return new VelaError(code, `${subject}: ${detail}`, {
    path: template.pointer,
    source: templateLocation(template, line, column),
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

interface PathNode {
  readonly type: "PathExpression";
  readonly data: boolean;
  readonly parts: readonly string[];
  readonly original: string;
  readonly loc?: { readonly start: { readonly line: number; readonly column: number } };
}

function collectPaths(node: unknown, into: PathNode[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectPaths(item, into);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  if (record.type === "PathExpression") into.push(record as unknown as PathNode);
  for (const [key, value] of Object.entries(record))
    if (key !== "loc" && key !== "strip" && key !== "openStrip" && key !== "closeStrip" && key !== "inverseStrip")
      collectPaths(value, into);
}

/** Why `parts` is not a field `schema` declares, or undefined when it is (or the schema is open). */
function undeclaredPart(schema: JsonValue | undefined, parts: readonly string[]): string | undefined {
  let current = schema;
  for (const [index, part] of parts.entries()) {
    if (!isJsonObject(current)) return undefined;
    if (current.type === "array" || current.items !== undefined) {
      if (part === "length" || /^\d+$/.test(part)) {
        current = part === "length" ? undefined : current.items;
        continue;
      }
      return parts.slice(0, index + 1).join(".");
    }
    const properties = isJsonObject(current.properties) ? current.properties : undefined;
    if (properties !== undefined && Object.hasOwn(properties, part)) {
      current = properties[part];
      continue;
    }
    if (isJsonObject(current.additionalProperties)) {
      current = current.additionalProperties;
      continue;
    }
    if (properties === undefined || current.additionalProperties === true) return undefined;
    return parts.slice(0, index + 1).join(".");
  }
  return undefined;
}

/** What the static check of a template needs to know. */
export interface TemplateCheck {
  /** JSON Schema of `parameter`; paths `parameter.x` must be declared in it. */
  readonly parameterSchema?: JsonObject;
  /**
   * Missing fields read as empty instead of failing: for templates over live objects (customStatus),
   * where `output.status` may not exist yet.
   * @default false
   */
  readonly lenient?: boolean;
}

function checkPaths(ast: unknown, template: TemplateSource, subject: string, check: TemplateCheck): void {
  const paths: PathNode[] = [];
  collectPaths(ast, paths);
  for (const path of paths) {
    const parts = path.data ? (path.parts[0] === "root" ? path.parts.slice(1) : []) : path.parts;
    const [root, ...rest] = parts;
    if (root === "parameter" && check.parameterSchema !== undefined) {
      const missing = undeclaredPart(check.parameterSchema, rest);
      if (missing !== undefined) {
        throw templateError(
          "E_TEMPLATE",
          subject,
          `"parameter.${missing}" is not declared in parameter`,
          template,
          path.loc?.start.line,
          path.loc?.start.column,
          "declare the field in parameter (optional fields end in ?), or fix the spelling",
        );
      }
    } else if (root === "context" && rest[0] !== undefined && !CONTEXT_KEYS.includes(rest[0])) {
      throw templateError(
        "E_TEMPLATE",
        subject,
        `"context.${rest[0]}" is not a context field`,
        template,
        path.loc?.start.line,
        path.loc?.start.column,
        `context has: ${CONTEXT_KEYS.join(", ")}`,
      );
    }
  }
}

function parseErrorLine(message: string): number | undefined {
  const match = /line (\d+)/.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

const STANDALONE_BLOCK_TAG = /^[ \t]*(\{\{~?(?:#|\/|\^|else\b)[^{}]*\}\})[ \t]*\r?\n/gm;

/**
 * Makes a line holding only a block tag (`{{#if}}`, `{{else}}`, `{{/each}}`…) vanish from the output,
 * whatever the nesting: the tag keeps its line but its indentation goes and its newline moves into a
 * comment, so line numbers in errors still match the file. (Handlebars' own "standalone" rule misses
 * `{{else if}}` chains, which would shift the YAML that follows.)
 */
function dropBlockTagLines(text: string): string {
  return text.replace(STANDALONE_BLOCK_TAG, "$1{{!\n}}");
}

/**
 * Compiles a template once per cache (parse errors and references to undeclared `parameter.*`
 * fields are `E_TEMPLATE` errors at the definition file's line).
 */
export function compileTemplate(
  template: TemplateSource,
  origin: TemplateOrigin,
  cache: CompileCache,
  check: TemplateCheck = {},
): CompiledTemplate {
  return cache.get(
    `template/${template.file}:${template.line}#${template.pointer}${check.lenient === true ? "/lenient" : ""}`,
    () => {
      const env = cache.get("handlebars", createEnvironment);
      let ast: ReturnType<HandlebarsEnv["parse"]>;
      try {
        ast = env.parse(dropBlockTagLines(template.text));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const first = message.split("\n")[0] ?? message;
        throw templateError(
          "E_TEMPLATE",
          origin.subject,
          `template does not parse: ${first.replace(/:$/, "").replace(/^Parse error/, "parse error")}`,
          template,
          parseErrorLine(message),
          undefined,
          "check the {{ }} and {{#if}}…{{/if}} pairs",
          error,
        );
      }
      checkPaths(ast, template, origin.subject, check);
      const compiled = env.compile(ast, { strict: check.lenient !== true, noEscape: true, knownHelpersOnly: false });
      return (data: JsonObject): string => {
        try {
          return compiled(data);
        } catch (error) {
          const line = (error as { lineNumber?: number }).lineNumber;
          const column = (error as { column?: number }).column;
          const message = (error instanceof Error ? error.message : String(error)).replace(/ - \d+:\d+$/, "");
          const missing = /^"(.+)" not defined in/.exec(message);
          const detail = missing?.[1] === undefined ? message : `"${missing[1]}" is not defined here`;
          const hint =
            missing?.[1] !== undefined &&
            TEMPLATE_HELPERS.includes(missing[1]) === false &&
            /^[a-z]+$/i.test(missing[1]) &&
            line !== undefined
              ? `templates see parameter.* and context.*; helpers: ${TEMPLATE_HELPERS.join(", ")}`
              : "check the field names the template uses";
          throw templateError("E_TEMPLATE", origin.subject, detail, template, line, column, hint, error);
        }
      };
    },
  );
}

/** True when text holds nothing but whitespace and YAML comments (a skipped conditional output). */
function isBlank(text: string): boolean {
  return text.split("\n").every((line) => {
    const trimmed = line.trim();
    return trimmed === "" || trimmed.startsWith("#") || trimmed === "---";
  });
}

/** Parses rendered template text as YAML; `undefined` when it is blank. */
export function parseRenderedYaml(
  text: string,
  template: TemplateSource,
  origin: TemplateOrigin,
): JsonValue | undefined {
  if (isBlank(text)) return undefined;
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const error = document.errors[0];
  if (error !== undefined) {
    const renderedLine = text.slice(0, error.pos[0]).split("\n").length;
    const shown = text.split("\n")[renderedLine - 1] ?? "";
    throw templateError(
      "E_TEMPLATE_YAML",
      origin.subject,
      `the template renders invalid YAML: ${(error.message.split("\n")[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, "")}`,
      template,
      renderedLine,
      undefined,
      `rendered line ${renderedLine} is ${JSON.stringify(shown.trim())}; put structured values in with {{json x}}`,
    );
  }
  const value = document.toJS({ maxAliasCount: 100 }) as JsonValue;
  return value === null ? undefined : value;
}

/** Options of {@link renderTemplate}. */
export interface RenderTemplateOptions {
  /** Where compiled templates are kept; a fresh one is used when absent. */
  readonly cache?: CompileCache;
  /** Names the template in errors. @default "template" */
  readonly subject?: string;
  readonly check?: TemplateCheck;
}

function oneShotCache(): CompileCache {
  const entries = new Map<string, unknown>();
  return {
    get<T>(key: string, create: () => T): T {
      if (!entries.has(key)) entries.set(key, create());
      return entries.get(key) as T;
    },
  };
}

/**
 * Renders a template to a JSON value (the YAML it produces, parsed), or `undefined` when it
 * renders to nothing. A bare string is treated as a template in an unnamed file.
 */
export function renderTemplate(
  template: TemplateSource | string,
  data: JsonObject,
  options: RenderTemplateOptions = {},
): JsonValue | undefined {
  const source: TemplateSource =
    typeof template === "string" ? { text: template, file: "<template>", line: 1, pointer: "" } : template;
  const origin = { subject: options.subject ?? "template" };
  const compiled = compileTemplate(source, origin, options.cache ?? oneShotCache(), options.check);
  return parseRenderedYaml(compiled(data), source, origin);
}

/** Renders a template to plain text over live objects (customStatus messages); missing fields read as empty. */
export function renderTemplateText(
  template: TemplateSource,
  data: JsonObject,
  cache: CompileCache,
  subject: string,
): string {
  return compileTemplate(template, { subject }, cache, { lenient: true })(data);
}
