/**
 * The function table Helm gives chart templates: Go builtins + sprig (minus `env`/`expandenv`)
 * + Helm's own (`include`, `tpl`, `required`, `fail`, `toYaml`, `fromYaml`, `toJson`, `fromJson`, `lookup`).
 */
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { GO_BUILTINS } from "./builtins.js";
import { type ExecEnv, type TemplateSet } from "./exec.js";
import { isGoMap, isNil, toGoString, toPlainData, type TemplateFunc } from "./go-value.js";
import { SPRIG_COLLECTIONS } from "./sprig-collections.js";
import { createClockFunctions, seededRandom, SPRIG_MISC } from "./sprig-misc.js";
import { SPRIG_STRINGS } from "./sprig-strings.js";
import { TemplateFailure } from "./template-error.js";

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

/**
 * Helm's `toYaml` (sigs.k8s.io/yaml): block style, keys sorted, lists not indented under their key,
 * no trailing newline.
 */
export function toHelmYaml(value: unknown): string {
  const data = toPlainData(value);
  const text = stringifyYaml(data, {
    sortMapEntries: true,
    indentSeq: false,
    lineWidth: 0,
    aliasDuplicateObjects: false,
    blockQuote: "literal",
  });
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

function fromYaml(text: string, wantList: boolean): unknown {
  try {
    const parsed: unknown = parseYaml(text, { merge: true });
    if (wantList) {
      if (Array.isArray(parsed) || isNil(parsed)) return parsed ?? [];
      return [`error unmarshaling JSON: json: cannot unmarshal object into Go value of type []interface {}`];
    }
    if (isGoMap(parsed)) return parsed;
    if (isNil(parsed)) return {};
    return {
      Error:
        `error unmarshaling JSON: json: cannot unmarshal ${Array.isArray(parsed) ? "array" : "string"} ` +
        "into Go value of type map[string]interface {}",
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return wantList ? [message] : { Error: message };
  }
}

function fromJson(text: string, wantList: boolean): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    if (wantList)
      return Array.isArray(parsed) ? parsed : [`json: cannot unmarshal object into Go value of type []interface {}`];
    return isGoMap(parsed) ? parsed : { Error: `json: cannot unmarshal into Go value of type map[string]interface {}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return wantList ? [message] : { Error: message };
  }
}

/** Functions that need nothing from the render (built once). */
const STATIC_FUNCTIONS: Readonly<Record<string, TemplateFunc>> = {
  ...GO_BUILTINS,
  ...SPRIG_STRINGS,
  ...SPRIG_COLLECTIONS,
  ...SPRIG_MISC,
  toYaml: (value) => toHelmYaml(value),
  mustToYaml: (value) => toHelmYaml(value),
  toYamlPretty: (value) => toHelmYaml(value),
  fromYaml: (text) => fromYaml(toGoString(text), false),
  fromYamlArray: (text) => fromYaml(toGoString(text), true),
  toJson: (value) => toGoJson(value),
  mustToJson: (value) => toGoJson(value),
  toPrettyJson: (value) => toGoJson(value, "  "),
  mustToPrettyJson: (value) => toGoJson(value, "  "),
  toRawJson: (value) => toGoJson(value, "", false),
  mustToRawJson: (value) => toGoJson(value, "", false),
  fromJson: (text) => fromJson(toGoString(text), false),
  mustFromJson: (text) => fromJson(toGoString(text), false),
  fromJsonArray: (text) => fromJson(toGoString(text), true),
  required: (message, value) => {
    if (isNil(value) || value === "") throw new TemplateFailure(toGoString(message));
    return value;
  },
  fail: (message) => {
    throw new TemplateFailure(toGoString(message));
  },
  lookup: () => ({}),
};

const DYNAMIC_NAMES = ["include", "tpl", ...Object.keys(createClockFunctions(new Date(0), () => 0))];

/** Every function name a chart template may use (checked when a template is parsed, as Go does). */
export const HELM_FUNCTION_NAMES: ReadonlySet<string> = new Set([...Object.keys(STATIC_FUNCTIONS), ...DYNAMIC_NAMES]);

/** What a render fixes: the clock for `now`/`date`/`ago` and the seed of `rand*`/`uuidv4`. */
export interface HelmFunctionOptions {
  readonly now: Date;
  readonly seed: number;
}

/**
 * Builds the execution environment of one render: the static functions plus `include` and `tpl`
 * bound to `set`, and the clock/random functions. Templates nest at most {@link MAX_TEMPLATE_DEPTH} deep.
 */
export function createHelmEnv(set: TemplateSet, options: HelmFunctionOptions): ExecEnv {
  const funcs = new Map<string, TemplateFunc>(Object.entries(STATIC_FUNCTIONS));
  for (const [name, fn] of Object.entries(createClockFunctions(options.now, seededRandom(options.seed))))
    funcs.set(name, fn);
  const env: ExecEnv = { funcs, depth: 0 };
  const tplSets = new Map<string, TemplateSet>();
  funcs.set("include", (name, data) => {
    const templateName = toGoString(name);
    if (!set.has(templateName))
      throw new Error(`template: no template ${JSON.stringify(templateName)} associated with template "gotpl"`);
    return set.execute(templateName, data, env);
  });
  funcs.set("tpl", (text, data) => {
    const source = toGoString(text);
    const template = isGoMap(data) ? data["Template"] : undefined;
    const templateName = isGoMap(template) && typeof template["Name"] === "string" ? template["Name"] : "gotpl";
    const key = `${templateName}\u0000${source}`;
    let child = tplSets.get(key);
    if (child === undefined) {
      child = set.child();
      child.add(templateName, source);
      tplSets.set(key, child);
    }
    return child.execute(templateName, data, env).replaceAll("<no value>", "");
  });
  return env;
}
