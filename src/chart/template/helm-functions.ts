/**
 * The function table Helm gives chart templates (`pkg/engine/funcs.go`): Go's builtins, all of sprig
 * but `env`/`expandenv`, and Helm's own (`include`, `tpl`, `required`, `fail`, `toYaml`,
 * `mustToYaml`, `toYamlPretty`, `fromYaml`, `fromYamlArray`, `toJson`, `mustToJson`, `fromJson`,
 * `fromJsonArray`, `toToml`, `fromToml`, `lookup`). Go rejects an unknown function when a template is
 * parsed, so every name a chart may use must be here, even in a branch that never runs.
 */
import { GoTemplateError } from "../errors.js";
import { UnsupportedYamlValue } from "../go-yaml-emit.js";
import { readYaml, toHelmYaml } from "../yaml.js";
import { GO_BUILTINS } from "./builtins.js";
import { type ExecEnv, type TemplateSet } from "./exec.js";
import { clockFunctions, CLOCK_FUNCTION_NAMES, seededRandom } from "./funcs-dates.js";
import { collectionFunctions } from "./funcs-collections.js";
import { CRYPTO_FUNCTIONS } from "./funcs-crypto.js";
import { MISC_FUNCTIONS } from "./funcs-misc.js";
import { NUMERIC_FUNCTIONS } from "./funcs-numeric.js";
import { regexFunctions } from "./funcs-regex.js";
import { stringFunctions } from "./funcs-strings.js";
import { fn, type GoFunc } from "./go-func.js";
import { CyclicValueError, int64, isGoMap, isNil, toPlainData } from "./go-value.js";
import { EvaluationBudget, type EvaluationLimits, type OutputGuard } from "./limits.js";
import { TemplateFailure } from "./template-error.js";
import { fromToml, toToml } from "./toml.js";

/** Go's `encoding/json` Marshal: keys sorted, no spaces, `<`, `>`, `&` escaped. */
export function toGoJson(value: unknown, indent = "", escapeHtml = true): string {
  const text = JSON.stringify(sortKeys(toPlainData(value)), null, indent === "" ? undefined : indent) ?? "null";
  return escapeHtml
    ? text.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`)
    : text;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isGoMap(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

/** Helm's `toYaml`: sigs.k8s.io/yaml, errors swallowed into "". */
function toYaml(value: unknown): string {
  try {
    return toHelmYaml(value);
  } catch (error) {
    if (error instanceof CyclicValueError || error instanceof UnsupportedYamlValue) return "";
    throw error;
  }
}

function jsonText(value: unknown, indent: string, escapeHtml: boolean, must: boolean): string {
  try {
    return toGoJson(value, indent, escapeHtml);
  } catch (error) {
    if (must || !(error instanceof CyclicValueError)) throw error;
    return "";
  }
}

function yamlError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `error converting YAML to JSON: yaml: ${message}`;
}

function fromYaml(text: string): Record<string, unknown> {
  try {
    const parsed = readYaml(text);
    if (isNil(parsed)) return {};
    if (isGoMap(parsed)) return parsed;
    const kind = Array.isArray(parsed) ? "array" : typeof parsed === "string" ? "string" : "number";
    return {
      Error: `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
    };
  } catch (error) {
    return { Error: yamlError(error) };
  }
}

function fromYamlArray(text: string): unknown[] {
  try {
    const parsed = readYaml(text);
    if (isNil(parsed)) return [];
    if (Array.isArray(parsed)) return parsed;
    const kind = isGoMap(parsed) ? "object" : typeof parsed === "string" ? "string" : "number";
    return [
      `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${kind} into Go value of type []interface {}`,
    ];
  } catch (error) {
    return [yamlError(error)];
  }
}

function jsonErrorText(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (text.trim() === "") return "unexpected end of JSON input";
  return message.replace(/^Unexpected token/, "invalid character").replace(/ in JSON at position.*$/, "");
}

function fromJson(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isGoMap(parsed)) return parsed;
    const kind = Array.isArray(parsed) ? "array" : parsed === null ? "null" : typeof parsed;
    if (parsed === null) return {};
    return { Error: `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}` };
  } catch (error) {
    return { Error: jsonErrorText(error, text) };
  }
}

function fromJsonArray(text: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed;
    if (parsed === null) return [];
    const kind = isGoMap(parsed) ? "object" : typeof parsed;
    return [`json: cannot unmarshal ${kind} into Go value of type []interface {}`];
  } catch (error) {
    return [jsonErrorText(error, text)];
  }
}

/** Functions that need nothing from the render (built once). */
const STATIC_FUNCTIONS: Readonly<Record<string, GoFunc>> = {
  ...GO_BUILTINS,
  ...NUMERIC_FUNCTIONS,
  ...MISC_FUNCTIONS,
  ...CRYPTO_FUNCTIONS,
  toYaml: fn(["any"], toYaml),
  mustToYaml: fn(["any"], (value) => toHelmYaml(value)),
  toYamlPretty: fn(["any"], (value) => {
    try {
      return toHelmYaml(value, { indentSeq: true });
    } catch {
      return "";
    }
  }),
  fromYaml: fn(["string"], fromYaml),
  fromYamlArray: fn(["string"], fromYamlArray),
  toJson: fn(["any"], (value) => jsonText(value, "", true, false)),
  mustToJson: fn(["any"], (value) => jsonText(value, "", true, true)),
  toPrettyJson: fn(["any"], (value) => jsonText(value, "  ", true, false)),
  mustToPrettyJson: fn(["any"], (value) => jsonText(value, "  ", true, true)),
  toRawJson: fn(["any"], (value) => jsonText(value, "", false, false)),
  mustToRawJson: fn(["any"], (value) => jsonText(value, "", false, true)),
  fromJson: fn(["string"], fromJson),
  mustFromJson: fn(["string"], (text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new GoTemplateError(jsonErrorText(error, text), { cause: error });
    }
  }),
  fromJsonArray: fn(["string"], fromJsonArray),
  toToml: fn(["any"], (value) => toToml(value)),
  fromToml: fn(["string"], fromToml),
  required: fn(["string", "any"], (message, value) => {
    if (isNil(value) || value === "") throw new TemplateFailure(message);
    return value;
  }),
  fail: fn(["string"], (message) => {
    throw new TemplateFailure(message);
  }),
  lookup: fn(["string", "string", "string", "string"], () => ({})),
};

const STATIC_ENTRIES: readonly [string, GoFunc][] = Object.entries(STATIC_FUNCTIONS);
const GO_BUILTIN_ENTRIES: readonly [string, GoFunc][] = Object.entries(GO_BUILTINS);

/** Placeholder guard for building the name list. */
const NO_GUARD: OutputGuard = { reserve: () => undefined, reserveList: () => undefined };

const GUARDED_NAMES = [
  ...Object.keys(stringFunctions(NO_GUARD)),
  ...Object.keys(collectionFunctions(NO_GUARD)),
  ...Object.keys(regexFunctions(NO_GUARD)),
];

/** Every function name a chart template may use (checked when a template is parsed, as Go does). */
export const HELM_FUNCTION_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(STATIC_FUNCTIONS),
  ...GUARDED_NAMES,
  ...CLOCK_FUNCTION_NAMES,
  "include",
  "tpl",
]);

/** Go's own builtins only (what a plain `text/template` has). */
export const GO_FUNCTION_NAMES: ReadonlySet<string> = new Set(Object.keys(GO_BUILTINS));

/** What a render fixes: the clock, the random seed and the limits. */
export interface HelmFunctionOptions {
  readonly now: Date;
  readonly seed: number;
  readonly limits?: EvaluationLimits;
  /** Only Go's builtins (for plain text/template semantics), not Helm's table. @default false */
  readonly goOnly?: boolean;
  /** What `lookup` reads (Helm's client provider). @default none: `lookup` returns an empty map, as `helm template` */
  readonly lookup?: LookupFunction;
}

/**
 * Helm's `lookup` against some cluster state: the object (`name` given) or a list
 * `{ apiVersion, kind: "<Kind>List", items }` (`name` empty; `namespace` empty means all namespaces),
 * an empty map when nothing is found. Throwing fails the render (`error calling lookup: …`).
 */
export type LookupFunction = (
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
) => Readonly<Record<string, unknown>>;

/** JSON-shaped data as Kubernetes' unstructured decoding gives it: integers are int64. */
function unstructured(value: unknown): unknown {
  if (typeof value === "number") return Number.isSafeInteger(value) ? int64(BigInt(value)) : value;
  if (Array.isArray(value)) return value.map(unstructured);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = unstructured(item);
    return out;
  }
  return value;
}

/**
 * Builds the execution environment of one render: the functions (with `include` and `tpl` bound to
 * the template set that is executing, as Helm re-binds them in `tpl`) and the render's budget.
 */
export function createHelmEnv(set: TemplateSet, options: HelmFunctionOptions): ExecEnv {
  const budget = new EvaluationBudget(options.limits);
  const funcs = new Map<string, GoFunc>(options.goOnly === true ? GO_BUILTIN_ENTRIES : STATIC_ENTRIES);
  const env: ExecEnv = { funcs, budget, depth: 0, includes: new Map(), current: set, tplSets: new Map() };
  if (options.goOnly === true) return env;
  for (const table of [
    stringFunctions(budget),
    collectionFunctions(budget),
    regexFunctions(budget),
    clockFunctions(options.now, seededRandom(options.seed), budget),
  ]) {
    for (const name in table) {
      const func = table[name];
      if (func !== undefined) funcs.set(name, func);
    }
  }
  const lookup = options.lookup;
  if (lookup !== undefined)
    funcs.set(
      "lookup",
      fn(["string", "string", "string", "string"], (apiVersion, kind, namespace, name) =>
        unstructured(lookup(apiVersion, kind, namespace, name)),
      ),
    );
  funcs.set("include", {
    ...fn(["string", "any"], (name, data) => env.current.include(name, data, env)),
    nests: true,
  });
  funcs.set("tpl", {
    ...fn(["string", "any"], (text, data) => env.current.tpl(text, data, env)),
    nests: true,
  });
  return env;
}
