import { createHash } from "node:crypto";
import {
  compileCue,
  EvaluationMemo,
  type CueProgram,
  type CuePosition,
  type CueSource,
  type CueValue,
} from "../cue/index.js";
import { cloneJson, type JsonObject, type JsonValue } from "../util/index.js";
import type { CompileCache } from "./registry.js";
import type { CueTemplateSource } from "./types.js";

/**
 * A definition's CUE `parameter`, as KubeVela reads it: the JSON Schema it stands for (for `def doc`,
 * sample properties and tooling) and validation by unification with an Application's properties.
 */

/** Top-level names a KubeVela CUE template reads without declaring them. */
export const CUE_TEMPLATE_INJECTED: readonly string[] = ["context", "parameter"];

/** The engine's view of a definition's CUE text (positions map into the definition file). */
export function cueSourceOf(template: CueTemplateSource): CueSource {
  return {
    file: template.file,
    text: template.text,
    line: template.line,
    column: template.column,
    indent: template.indent,
  };
}

/** Content hashes of template sources already seen (keyed by the object; a definition's source never changes). */
const textHashes = new WeakMap<CueTemplateSource, string>();

/**
 * Compiles a definition's CUE text once per cache (the key holds the content, so a revision's own
 * definitions never share a stale program). Imports of host packages (`vela/op`) are accepted here;
 * reading them is checked where they are evaluated.
 */
export function compileDefinitionCue(template: CueTemplateSource, cache?: CompileCache): CueProgram {
  const compile = (): CueProgram =>
    compileCue(cueSourceOf(template), { injected: CUE_TEMPLATE_INJECTED, allowUnknownImports: true });
  if (cache === undefined) return compile();
  let hash = textHashes.get(template);
  if (hash === undefined) {
    hash = createHash("sha256").update(template.text).digest("hex").slice(0, 24);
    textHashes.set(template, hash);
  }
  return cache.get(`cue/${template.file}:${template.line}:${template.column}#${template.pointer}/${hash}`, compile);
}

function commentTag(value: CueValue, tag: string): string | undefined {
  for (const line of value.comments()) {
    const match = new RegExp(`^\\s*\\+${tag}=(.*)$`).exec(line);
    if (match !== null) return (match[1] ?? "").trim();
  }
  return undefined;
}

function hasTag(value: CueValue, tag: string): boolean {
  return value.comments().some((line) => new RegExp(`^\\s*\\+${tag}\\s*$`).test(line));
}

const JSON_TYPES: Readonly<Record<string, string>> = {
  null: "null",
  bool: "boolean",
  int: "integer",
  float: "number",
  string: "string",
  bytes: "string",
  list: "array",
  struct: "object",
};

function scalarSchema(value: CueValue): JsonObject {
  const info = value.typeInfo();
  const types = [
    ...new Set(info.kinds.map((kind) => JSON_TYPES[kind]).filter((type): type is string => type !== undefined)),
  ];
  const schema: JsonObject = {};
  if (types.includes("integer") && types.includes("number")) types.splice(types.indexOf("integer"), 1);
  if (types.length === 1) schema.type = types[0] ?? null;
  else if (types.length > 1 && types.length < 7) schema.type = types;
  if (info.values !== undefined && info.values.length > 0) schema.enum = [...info.values];
  for (const bound of info.bounds) {
    if (bound.op === ">=") schema.minimum = bound.value;
    if (bound.op === ">") schema.exclusiveMinimum = bound.value;
    if (bound.op === "<=") schema.maximum = bound.value;
    if (bound.op === "<") schema.exclusiveMaximum = bound.value;
    if (bound.op === "=~") schema.pattern = bound.value;
  }
  return schema;
}

function schemaOf(value: CueValue, depth: number): JsonObject {
  const kind = value.kind();
  const info = kind === "incomplete" || kind === "bottom" ? undefined : kind;
  let schema: JsonObject;
  if (depth > 12) schema = {};
  else if (
    info === "struct" ||
    (info === undefined && value.typeInfo().kinds.length === 1 && value.typeInfo().kinds[0] === "struct")
  ) {
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const field of value.fields({ optional: true })) {
      properties[field.label] = schemaOf(field.value, depth + 1);
      const member = field.value;
      if (
        field.kind === "required" ||
        (field.kind === "regular" && member.defaultValue() === undefined && !member.isConcrete())
      )
        required.push(field.label);
    }
    schema = { type: "object", ...(Object.keys(properties).length > 0 ? { properties } : {}) };
    if (required.length > 0) schema.required = required;
    const pattern = value.patternTypes()[0];
    if (pattern !== undefined) schema.additionalProperties = schemaOf(pattern, depth + 1);
  } else if (info === "list") {
    const open = value.elementType();
    const element = open ?? value.elements()[0];
    schema = { type: "array", ...(element === undefined ? {} : { items: schemaOf(element, depth + 1) }) };
    // `[T, ...T]`: the leading elements of an open list must be given (at least one T).
    const leading = value.elements().length;
    if (open !== undefined && leading > 0 && value.defaultValue() === undefined) schema.minItems = leading;
  } else schema = scalarSchema(value);
  const usage = commentTag(value, "usage");
  if (usage !== undefined) schema.description = usage;
  const short = commentTag(value, "short");
  if (short !== undefined) schema["x-short"] = short;
  if (hasTag(value, "ignore")) schema["x-ignore"] = true;
  const fallback = value.defaultValue();
  if (fallback !== undefined) schema.default = fallback;
  return schema;
}

/**
 * The JSON Schema a CUE `parameter` stands for: types, enums, bounds, defaults, required fields
 * (regular fields without a default), `[string]: T` as additionalProperties, `+usage=` as the
 * description, `+short=` and `+ignore` as `x-short` / `x-ignore`. Only a description of the
 * parameter: properties are validated by unification ({@link checkCueParameter}).
 */
export function cueParameterSchema(program: CueProgram): JsonObject {
  const parameter = program.evaluate().lookup("parameter");
  if (parameter === undefined) return { type: "object", properties: {} };
  return schemaOf(parameter, 0);
}

/** One problem of an Application's properties found by unifying them with `parameter`. */
export interface CueParameterProblem {
  /** `conflict`: the value does not fit the declaration; `missing`: a required field has no value. */
  readonly kind: "conflict" | "missing";
  /** Labels below `parameter` (list indexes as digits). */
  readonly labels: readonly string[];
  readonly message: string;
  /** Where the declaration is, in the definition file. */
  readonly declaredAt: CuePosition | undefined;
}

/** Options of {@link checkCueParameter}. */
export interface CheckCueParameterOptions {
  /** What the template sees as `context` (names known at bind time). @default {} */
  readonly context?: JsonObject;
  /** Labels of properties filled later (workflow inputs): not reported missing. @default none */
  readonly ignoreMissing?: (labels: readonly string[]) => boolean;
}

function provided(properties: JsonValue, labels: readonly string[]): boolean {
  let current: JsonValue | undefined = properties;
  for (const label of labels) {
    if (Array.isArray(current)) current = current[Number(label)];
    else if (current !== null && typeof current === "object") current = current[label];
    else return false;
    if (current === undefined) return false;
  }
  return true;
}

/** What unifying properties with `parameter` found, before the caller's `ignoreMissing` is asked. */
interface ParameterEvaluation {
  /** The template declares no `parameter`. */
  readonly undeclared: boolean;
  /** The exported `parameter` when it is concrete (undefined when not, or when it is not an object). */
  readonly exported: { readonly value: JsonObject | undefined } | undefined;
  readonly conflicts: readonly CueParameterProblem[];
  /** Fields left incomplete or required, when `parameter` is not concrete. */
  readonly incomplete: readonly Omit<CueParameterProblem, "kind">[];
}

/** Parameter checks of the templates' recent inputs (a controller binds an unchanged app again on its next pass). */
const parameterEvaluations = new EvaluationMemo<ParameterEvaluation>({
  copy: (evaluation) =>
    evaluation.exported?.value === undefined
      ? evaluation
      : { ...evaluation, exported: { value: cloneJson(evaluation.exported.value) } },
});

function evaluateParameter(program: CueProgram, properties: JsonObject, context: JsonObject): ParameterEvaluation {
  const root = program.evaluate({
    fill: [
      { path: ["parameter"], value: properties },
      { path: ["context"], value: context },
    ],
  });
  const parameter = root.lookup("parameter");
  if (parameter === undefined) return { undeclared: true, exported: undefined, conflicts: [], incomplete: [] };
  const relative = (labels: readonly string[] | undefined): string[] => (labels ?? []).slice(1);
  const conflicts: CueParameterProblem[] = [];
  for (const problem of parameter.errors()) {
    if (problem.kind !== "conflict") continue;
    conflicts.push({
      kind: "conflict",
      labels: relative(problem.labels),
      message: problem.message,
      declaredAt: problem.positions[0],
    });
  }
  const exported = parameter.tryExport();
  if (exported.ok) {
    const value = exported.value;
    const object = value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
    return { undeclared: false, exported: { value: object }, conflicts, incomplete: [] };
  }
  const incomplete = exported.error.problems
    .filter((problem) => problem.kind === "incomplete" && /^(incomplete value|field is required)/.test(problem.message))
    .map((problem) => ({
      labels: relative(problem.labels),
      message: problem.message,
      declaredAt: problem.positions[0],
    }));
  return { undeclared: false, exported: undefined, conflicts, incomplete };
}

/**
 * Unifies properties with a CUE template's `parameter` (KubeVela's validation): returns the
 * defaulted properties (the exported `parameter`) and every conflict or missing required field.
 * The same template with the same properties and context checks the same: a recent check is reused.
 */
export function checkCueParameter(
  program: CueProgram,
  properties: JsonObject,
  options: CheckCueParameterOptions = {},
): { readonly value: JsonObject; readonly problems: readonly CueParameterProblem[] } {
  const context = options.context ?? {};
  const evaluation = parameterEvaluations.get(program, [properties, context], () =>
    evaluateParameter(program, properties, context),
  );
  if (evaluation.undeclared) return { value: properties, problems: [] };
  if (evaluation.exported !== undefined)
    return { value: evaluation.exported.value ?? properties, problems: evaluation.conflicts };
  const problems = [...evaluation.conflicts];
  for (const problem of evaluation.incomplete) {
    if (provided(properties, problem.labels) || options.ignoreMissing?.(problem.labels) === true) continue;
    problems.push({ kind: "missing", ...problem });
  }
  return { value: properties, problems };
}
