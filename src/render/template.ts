/**
 * The handlebars side of rendering (STYLE §7): the isolated handlebars environment and its helpers,
 * the checks on a template's AST (strict paths, no bare `{{x}}` where structure is expected), and
 * the parse of the rendered text as YAML with errors mapped back to the template's lines. One file
 * because it is the only importer of `handlebars` (the import rules keep it here) and the AST
 * checks, compile and YAML mapping all work on the same compiled template.
 */
import Handlebars from "handlebars";
import { Scalar, stringify, visit, type Document } from "yaml";
import { VelaError, type SourceLocation } from "../errors/index.js";
import { parseYamlText } from "../model/index.js";
import {
  boundBlockHelpers,
  boundHelpers,
  checkTemplateNesting,
  RenderMeter,
  TemplateLimitError,
} from "./template-bounds.js";
import type { CompileCache, TemplateSource } from "../definitions/index.js";
import { displayText, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../util/index.js";

/**
 * The only place handlebars is used (STYLE §3): an isolated `Handlebars.create()` environment per
 * registry cache, strict mode, no HTML escaping, and the fixed helper set of docs/definitions.md.
 * Templates produce YAML text which is parsed here; errors point at the definition file line.
 */

type HelperArgs = unknown[];

function args(raw: HelperArgs): unknown[] {
  return raw.slice(0, -1);
}

/** A helper argument as text: null and undefined as "", lists comma-joined as handlebars prints them, maps as JSON. */
function helperText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return Array.isArray(value) ? value.map(helperText).join(",") : displayText(value);
}

function indentText(spaces: unknown, text: unknown): string {
  const pad = " ".repeat(typeof spaces === "number" ? spaces : Number(spaces));
  return helperText(text)
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
  lower: (...raw) => helperText(args(raw)[0]).toLowerCase(),
  upper: (...raw) => helperText(args(raw)[0]).toUpperCase(),
  trunc: (...raw) => helperText(args(raw)[0]).slice(0, Number(args(raw)[1])),
  quote: (...raw) => JSON.stringify(helperText(args(raw)[0])),
  concat: (...raw) => {
    const values = args(raw);
    return values.every(Array.isArray) ? (values as unknown[][]).flat() : values.map(helperText).join("");
  },
  contains: (...raw) => contains(args(raw)[0], args(raw)[1]),
  len: (...raw) => lengthOf(args(raw)[0]),
  hasKey: (...raw) => isJsonObject(args(raw)[0]) && Object.hasOwn(args(raw)[0] as object, String(args(raw)[1])),
  get: (...raw) => {
    const [object, key] = args(raw);
    if (Array.isArray(object)) return (object as unknown[])[Number(key)] ?? null;
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
    return helperText(text).replaceAll(String(from), helperText(to));
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
  "stepSessionID",
];

type HandlebarsEnv = ReturnType<typeof Handlebars.create>;

/**
 * YAML safety of bare `{{x}}` in YAML templates: each one renders as a placeholder (private-use
 * characters around the value's index, a valid plain YAML scalar), the text is parsed as YAML with
 * the structure the template's own text gives it, and only then are the values put in — so a value
 * can never add structure (a newline and `key:` in a string stays inside that string) and keeps its
 * type (the string `"1.10"` stays a string, `"null"` stays the text null). Helpers whose output is
 * meant as YAML text (`json`, `toYaml`, `indent`, `nindent`, `quote`) and `{{{x}}}` insert text as before.
 */
const PLACEHOLDER_OPEN = "\uE000";
const PLACEHOLDER_CLOSE = "\uE001";
const PLACEHOLDER = /\uE000(\d+)\uE001/g;
const VALUE_HELPER = "__velaValue";
const TEXT_HELPERS = new Set(["json", "toYaml", "indent", "nindent", "quote"]);

interface ValueFrame {
  readonly velaValues?: unknown[];
}

function valueHelper(value: unknown, options: { readonly data?: ValueFrame }): string {
  const values = options.data?.velaValues;
  if (values === undefined) return value === null || value === undefined ? "" : displayText(value);
  values.push(value === undefined ? null : value);
  return `${PLACEHOLDER_OPEN}${values.length - 1}${PLACEHOLDER_CLOSE}`;
}

interface MustacheNode {
  type: string;
  escaped?: boolean;
  path: { type: string; original?: unknown; parts?: readonly string[] };
  params: unknown[];
  hash?: unknown;
  loc?: unknown;
}

/** Turns every bare `{{x}}` (not a text helper, not `{{{x}}}`) into `{{__velaValue x}}`, in place. */
function placeValues(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) placeValues(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  if (record.type === "MustacheStatement") {
    // A handlebars AST node, told apart by its `type` (handlebars types its AST without a guard).
    const mustache = record as unknown as MustacheNode;
    const name = mustache.path.type === "PathExpression" ? mustache.path.original : undefined;
    if (mustache.escaped === true && !(typeof name === "string" && TEXT_HELPERS.has(name))) {
      const hasArguments = mustache.params.length > 0 || mustache.hash !== undefined;
      const inner = hasArguments
        ? {
            type: "SubExpression",
            path: mustache.path,
            params: mustache.params,
            hash: mustache.hash,
            loc: mustache.loc,
          }
        : mustache.path;
      mustache.path = {
        type: "PathExpression",
        data: false,
        depth: 0,
        parts: [VALUE_HELPER],
        original: VALUE_HELPER,
        loc: mustache.loc,
      } as never;
      mustache.params = [inner];
      mustache.hash = undefined;
    }
    return;
  }
  for (const [key, value] of Object.entries(record)) if (key !== "loc") placeValues(value);
}

/** A handlebars environment and the meter its helpers count a render's work on (template-bounds.ts). */
interface BoundedEnvironment {
  readonly env: HandlebarsEnv;
  readonly meter: RenderMeter;
}

function createEnvironment(): BoundedEnvironment {
  const env = Handlebars.create();
  env.unregisterHelper("log");
  const meter = new RenderMeter();
  boundBlockHelpers(env, meter);
  for (const [name, helper] of Object.entries(boundHelpers(HELPERS, meter))) env.registerHelper(name, helper);
  env.registerHelper(VALUE_HELPER, valueHelper as never);
  return { env, meter };
}

/**
 * What a template rendered: its text, where every bare `{{x}}` of a YAML template stands as a
 * placeholder for `values[i]` (see {@link parseRenderedYaml}).
 */
export interface RenderedText {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** A compiled template: data in, text (with placeholders) out. */
export type CompiledTemplate = (data: JsonObject) => RenderedText;

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

/** A bound a template went past, located at the template (its definition file and line). */
function withTemplateSource(error: TemplateLimitError, subject: string, template: TemplateSource): VelaError {
  return new VelaError(error.code, `${subject}: ${error.message}`, {
    path: template.pointer,
    source: templateLocation(template, undefined, undefined),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
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
  // A handlebars AST node, told apart by its `type`.
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
      const { env, meter } = cache.get("handlebars", createEnvironment);
      let ast: ReturnType<HandlebarsEnv["parse"]>;
      try {
        checkTemplateNesting(template.text);
        ast = env.parse(dropBlockTagLines(template.text));
      } catch (error) {
        if (error instanceof TemplateLimitError) throw withTemplateSource(error, origin.subject, template);
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
      // Lenient templates render text (customStatus messages), not YAML: values go in as text.
      const yaml = check.lenient !== true;
      if (yaml) placeValues(ast);
      const compiled = env.compile(ast, { strict: yaml, noEscape: true, knownHelpersOnly: false });
      return (data: JsonObject): RenderedText => {
        try {
          meter.reset();
          const values: unknown[] = [];
          const text = compiled(data, yaml ? { data: { velaValues: values } } : {});
          return { text, values };
        } catch (error) {
          if (error instanceof TemplateLimitError) throw withTemplateSource(error, origin.subject, template);
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

function valueText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return displayText(value);
}

/** The text with every placeholder replaced by its value as text. */
function withValuesAsText(text: string, values: readonly unknown[]): string {
  return text.replace(PLACEHOLDER, (_whole, index: string) => valueText(values[Number(index)]));
}

/**
 * Puts the values back where their placeholders are: a plain scalar that is exactly one placeholder
 * becomes the value itself, typed (string, number, boolean, null, list, map); anywhere else (quoted
 * or block scalars, keys, text around it) the value goes in as text.
 */
function placeValuesBack(document: Document.Parsed, values: readonly unknown[]): void {
  if (values.length === 0) return;
  visit(document, {
    Scalar(key, node) {
      if (typeof node.value !== "string" || !node.value.includes(PLACEHOLDER_OPEN)) return undefined;
      const whole = /^\uE000(\d+)\uE001$/.exec(node.value);
      if (key !== "key" && node.type === Scalar.PLAIN && whole?.[1] !== undefined) {
        const value = values[Number(whole[1])] ?? null;
        if (value !== null && typeof value === "object") return document.createNode(value);
        node.value = value;
        return undefined;
      }
      node.value = withValuesAsText(node.value, values);
      return undefined;
    },
  });
}

/** Parses rendered template text as YAML, then puts the values in; `undefined` when it is blank. */
export function parseRenderedYaml(
  rendered: RenderedText | string,
  template: TemplateSource,
  origin: TemplateOrigin,
): JsonValue | undefined {
  const { text, values } = typeof rendered === "string" ? { text: rendered, values: [] } : rendered;
  if (isBlank(text)) return undefined;
  // Bounded like every YAML input: aliases, nesting and size (a template can render an alias bomb).
  const parsed = parseYamlText(text, { beforeValue: (document) => placeValuesBack(document, values) });
  if ("problem" in parsed) {
    const error = parsed.problem;
    const renderedLine = text.slice(0, error.offset).split("\n").length;
    const shown = withValuesAsText(text.split("\n")[renderedLine - 1] ?? "", values);
    throw templateError(
      "E_TEMPLATE_YAML",
      origin.subject,
      `the template renders invalid YAML: ${error.message}`,
      template,
      renderedLine,
      undefined,
      `rendered line ${renderedLine} is ${JSON.stringify(shown.trim())}; put structured values in with {{json x}}`,
    );
  }
  const value = parsed.value;
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
  return compileTemplate(template, { subject }, cache, { lenient: true })(data).text;
}
