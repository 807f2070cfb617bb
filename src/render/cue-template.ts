/**
 * KubeVela's contract over the CUE engine (`src/cue`): a CUE definition's `parameter`, `context`,
 * `output`/`outputs`, `patch` with its patch comments, and health/status (`isHealth`,
 * `customStatus`), evaluated for components, traits and status. One file because all of these
 * are one evaluation of one definition template with the same context and compile cache.
 */
import { createHash } from "node:crypto";
import {
  compileCue,
  CueError,
  EvaluationMemo,
  formatPosition,
  type CueProblem,
  type CueProgram,
  type CueValue,
} from "../cue/index.js";
import {
  compileDefinitionCue,
  CUE_TEMPLATE_INJECTED,
  cueSourceOf,
  type CompileCache,
  type ComponentDefinition,
  type CueParameterProblem,
  type CueTemplateSource,
  type Definition,
  type TraitDefinition,
} from "../definitions/index.js";
import { VelaError } from "../errors/index.js";
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../util/index.js";
import { applyPatch } from "./patch.js";

/**
 * KubeVela's contract over the CUE engine (pkg/cue/definition in KubeVela): a template is evaluated
 * with `parameter` (the component's or trait's properties) and `context` filled in; `output` must be
 * concrete; each of `outputs` is kept when it is concrete and skipped when it is not (as upstream);
 * `patch` is applied to the workload honouring `// +patchKey=` (inherited by nested fields) and
 * `// +patchStrategy=retainKeys|replace` comments, otherwise unified (a conflict names both values),
 * or as a JSON merge patch / JSON patch when the `patch` field says `+patchStrategy=jsonMergePatch` /
 * `jsonPatch`; `patchOutputs` patch earlier outputs by name; a non-empty `errs` list is a user error;
 * health is the status templates' `isHealth` and `message`.
 */

/** What a CUE template sees. */
export interface CueTemplateData {
  readonly parameter: JsonObject;
  readonly context: JsonObject;
}

/**
 * Properties that do not unify with the template's `parameter`: the renderer maps the labels (below
 * `parameter`) to the Application's `properties` and its file:line.
 */
export class CueParameterError extends VelaError {
  constructor(
    readonly subject: string,
    readonly problems: readonly CueParameterProblem[],
  ) {
    const first = problems[0];
    super("E_PARAM_INVALID", `${subject}: ${first === undefined ? "invalid properties" : first.message}`, {
      ...(first?.declaredAt === undefined ? {} : { hint: `declared at ${formatPosition(first.declaredAt)}` }),
    });
  }
}

function describeProblems(problems: readonly CueProblem[]): string {
  const [first] = problems;
  if (first === undefined) return "evaluation failed";
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return `${first.path === "" ? "" : `${first.path}: `}${first.message}${more}`;
}

function hintFor(problem: CueProblem | undefined): string {
  switch (problem?.kind) {
    case "incomplete":
      return "the value is not concrete: give it a value, a default (*x | type), or guard it with if … != _|_";
    case "limit":
      return "the template does not finish evaluating within bounds; look for a structural cycle or runaway recursion";
    case "reference":
      return "declare the name, or read it from parameter or context";
    case "syntax":
      return "fix the CUE syntax at this position";
    default:
      return "check the values that meet at this position";
  }
}

/** A template error at the definition file's line and column (E_TEMPLATE), naming the CUE path. */
export function cueTemplateError(
  subject: string,
  problems: readonly CueProblem[],
  template: CueTemplateSource,
): VelaError {
  const [first] = problems;
  const position = first?.positions[0];
  const others = (first?.positions ?? []).slice(1).map(formatPosition);
  return new VelaError("E_TEMPLATE", `${subject}: ${describeProblems(problems)}`, {
    path: template.pointer,
    source: position === undefined ? { file: template.file, line: template.line, column: template.column } : position,
    hint: `${hintFor(first)}${others.length > 0 ? ` (also involved: ${others.join(", ")})` : ""}`,
  });
}

function asCueError(error: unknown): CueError {
  if (error instanceof CueError) return error;
  throw error;
}

/** Evaluates a definition's template with properties and context filled in. */
export function evaluateCueTemplate(definition: Definition, data: CueTemplateData, cache: CompileCache): CueValue {
  const template = definition.cue;
  if (template === undefined) throw new VelaError("E_TEMPLATE", `definition "${definition.name}" has no CUE template`);
  try {
    return compileDefinitionCue(template, cache).evaluate({
      fill: [
        { path: ["parameter"], value: data.parameter },
        { path: ["context"], value: data.context },
      ],
    });
  } catch (error) {
    throw cueTemplateError(`definition "${definition.name}"`, asCueError(error).problems, template);
  }
}

const EXPORTED_FIELDS = new Set(["context", "output", "outputs", "patch", "patchOutputs"]);

/** The conflicts of the template: those in `parameter` are the user's (CueParameterError), others the template's. */
function checkConflicts(root: CueValue, definition: Definition, subject: string): void {
  const template = definition.cue as CueTemplateSource;
  // `context` is the injected JSON (a trait's context.output is the whole workload): walking it finds
  // nothing. What the contract exports (output, outputs, patch…) reports its conflicts when exported.
  const problems = root
    .fields({ definitions: true, hidden: true })
    .filter((field) => !EXPORTED_FIELDS.has(field.label))
    .flatMap((field) => field.value.errors());
  const parameterProblems: CueParameterProblem[] = [];
  const templateProblems: CueProblem[] = [];
  for (const problem of problems) {
    const labels = problem.labels ?? [];
    if (labels[0] === "parameter")
      parameterProblems.push({
        kind: "conflict",
        labels: labels.slice(1),
        message: problem.message,
        declaredAt: problem.positions[0],
      });
    else if (labels[0] !== "context") templateProblems.push(problem);
  }
  if (parameterProblems.length > 0) throw new CueParameterError(subject, parameterProblems);
  if (templateProblems.length > 0)
    throw cueTemplateError(`definition "${definition.name}"`, templateProblems, template);
}

/** KubeVela's `errs`: a list of messages the template raises for the user (the first non-empty one is reported). */
function checkErrs(root: CueValue, definition: Definition): void {
  const errs = root.lookup("errs");
  if (errs === undefined || errs.fieldKind !== "regular") return;
  const exported = errs.tryExport();
  if (!exported.ok) return;
  const messages = (Array.isArray(exported.value) ? exported.value : [exported.value]).filter(
    (message): message is string => typeof message === "string" && message !== "",
  );
  const [first] = messages;
  if (first === undefined) return;
  throw new VelaError("E_TEMPLATE_ERRS", first, {
    hint: `raised by definition "${definition.name}" (its errs list)${messages.length > 1 ? `; also: ${messages.slice(1).join("; ")}` : ""}`,
  });
}

function exportRequired(value: CueValue, definition: Definition, subject: string): JsonValue {
  const result = value.tryExport();
  if (!result.ok)
    throw cueTemplateError(
      `definition "${definition.name}" ${subject}`,
      result.error.problems,
      definition.cue as CueTemplateSource,
    );
  return result.value;
}

/** Concrete outputs by name; an output that is not concrete yet is skipped (KubeVela does the same). */
function exportOutputs(root: CueValue, definition: Definition): { readonly name: string; readonly value: JsonValue }[] {
  const outputs = root.lookup("outputs");
  if (outputs === undefined || outputs.fieldKind !== "regular") return [];
  const result: { name: string; value: JsonValue }[] = [];
  for (const field of outputs.fields()) {
    const exported = field.value.tryExport();
    if (exported.ok) {
      result.push({ name: field.label, value: exported.value });
      continue;
    }
    if (exported.error.problems.every((problem) => problem.kind === "incomplete")) continue;
    throw cueTemplateError(
      `definition "${definition.name}" outputs.${field.label}`,
      exported.error.problems,
      definition.cue as CueTemplateSource,
    );
  }
  return result;
}

/** What a CUE component template renders. */
export interface CueComponentResult {
  readonly output?: JsonValue;
  readonly outputs: readonly { readonly name: string; readonly value: JsonValue }[];
}

/** Renderings of the component templates' recent inputs (a controller renders an unchanged app again on its next pass). */
const renderedComponents = new EvaluationMemo<CueComponentResult>({
  copy: (result) => ({
    ...(result.output === undefined ? {} : { output: cloneJson(result.output) }),
    outputs: result.outputs.map((output) => ({ name: output.name, value: cloneJson(output.value) })),
  }),
});

/** The compiled template, when it compiles (else rendering reports why, uncached). */
function compiledTemplate(definition: Definition, cache: CompileCache): CueProgram | undefined {
  if (definition.cue === undefined) return undefined;
  try {
    return compileDefinitionCue(definition.cue, cache);
  } catch (error) {
    if (error instanceof CueError) return undefined;
    throw error;
  }
}

/**
 * Renders a ComponentDefinition's CUE template: `output` (must be concrete) and `outputs`. The same
 * template with the same parameter and context renders the same: a recent rendering is reused.
 */
export function renderCueComponent(
  definition: ComponentDefinition,
  data: CueTemplateData,
  cache: CompileCache,
  subject: string,
): CueComponentResult {
  const render = (): CueComponentResult => evaluateCueComponent(definition, data, cache, subject);
  const program = compiledTemplate(definition, cache);
  return program === undefined ? render() : renderedComponents.get(program, [data.parameter, data.context], render);
}

function evaluateCueComponent(
  definition: ComponentDefinition,
  data: CueTemplateData,
  cache: CompileCache,
  subject: string,
): CueComponentResult {
  const root = evaluateCueTemplate(definition, data, cache);
  checkConflicts(root, definition, subject);
  checkErrs(root, definition);
  const output = root.lookup("output");
  return {
    ...(output === undefined || output.fieldKind !== "regular"
      ? {}
      : { output: exportRequired(output, definition, "output") }),
    outputs: exportOutputs(root, definition),
  };
}

/** A patch ready to apply to a base object. */
export type CuePatch = (base: JsonValue) => JsonValue;

/** What a CUE trait template renders. */
export interface CueTraitResult {
  readonly outputs: readonly { readonly name: string; readonly value: JsonValue }[];
  readonly patch?: CuePatch;
  readonly patchOutputs: Readonly<Record<string, CuePatch>>;
}

// ------------------------------------------------------------------ patches

interface PatchTags {
  readonly patchKey?: string;
  /** `+patchStrategy=retainKeys` on the `patch` field itself: the patch's values win every conflict. */
  readonly force?: boolean;
}

function commentTags(value: CueValue): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const line of value.comments()) {
    const match = /^\s*\+([A-Za-z]+)=(\S+)\s*$/.exec(line);
    if (match !== null) tags[match[1] ?? ""] = match[2] ?? "";
  }
  return tags;
}

class PatchConflict extends VelaError {
  constructor(message: string, path: readonly string[], hint: string, at?: CueValue) {
    const position = at?.position();
    super("E_PATCH_CONFLICT", `${path.length === 0 ? "" : `${path.join(".")}: `}${message}`, {
      hint,
      ...(position === undefined ? {} : { source: position }),
    });
  }
}

function show(value: JsonValue | undefined): string {
  return JSON.stringify(value) ?? "undefined";
}

function keyOf(item: JsonValue, key: string): JsonValue | undefined {
  let current: JsonValue | undefined = item;
  for (const part of key.split(".")) current = isJsonObject(current) ? current[part] : undefined;
  return current;
}

/** A patch value that is not concrete: reported as a template error where the value is written. */
class PatchIncomplete extends Error {
  constructor(readonly problems: readonly CueProblem[]) {
    super("patch is not concrete");
  }
}

function exportPatchValue(value: CueValue): JsonValue {
  const result = value.tryExport();
  if (!result.ok) throw new PatchIncomplete(result.error.problems);
  return result.value;
}

/**
 * Unifies a patch value into a base JSON value the way KubeVela's strategic unify does: structs merge
 * field by field; lists with a patch key (own or inherited `+patchKey`) merge by key (matched items
 * are unified, unmatched base items kept, new patch items appended); `+patchStrategy=replace` replaces
 * a list, `retainKeys` replaces a field (or each matched item); other lists unify item by item and must
 * have the same length; scalars must be equal. With `+patchStrategy=retainKeys` on the `patch` field
 * itself (KubeVela's scaler), the patch wins every conflict instead.
 */
function unifyPatch(
  base: JsonValue | undefined,
  patch: CueValue,
  tags: PatchTags,
  strategy: string | undefined,
  path: readonly string[],
): JsonValue {
  if (base === undefined) return exportPatchValue(patch);
  if (strategy === "retainKeys" && patch.kind() !== "list") return exportPatchValue(patch);
  switch (patch.kind()) {
    case "struct": {
      if (!isJsonObject(base) && tags.force === true) return exportPatchValue(patch);
      if (!isJsonObject(base))
        throw new PatchConflict(
          `conflicting values ${show(base)} and a struct`,
          path,
          "the trait patches a field the workload has as another type",
        );
      const result: JsonObject = { ...base };
      for (const field of patch.fields()) {
        const own = commentTags(field.value);
        const inherited: PatchTags = own.patchKey !== undefined ? { ...tags, patchKey: own.patchKey } : tags;
        result[field.label] = unifyPatch(base[field.label], field.value, inherited, own.patchStrategy, [
          ...path,
          field.label,
        ]);
      }
      return result;
    }
    case "list": {
      if (strategy === "replace") return exportPatchValue(patch);
      if (!Array.isArray(base))
        throw new PatchConflict(
          `conflicting values ${show(base)} and a list`,
          path,
          "the trait patches a field the workload has as another type",
        );
      const elements = patch.elements();
      const key = tags.patchKey;
      if (key !== undefined) {
        const byKey = new Map<string, CueValue>();
        for (const element of elements) {
          const id = element.lookup(...key.split("."))?.tryExport();
          if (id?.ok !== true)
            throw new PatchConflict(
              `a patch item has no concrete ${key} (the +patchKey)`,
              path,
              `give every item of the list a ${key}`,
            );
          byKey.set(JSON.stringify(id.value), element);
        }
        const result: JsonValue[] = [];
        base.forEach((item, index) => {
          const id = JSON.stringify(keyOf(item, key) ?? null);
          const match = byKey.get(id);
          if (match === undefined) {
            result.push(item);
            return;
          }
          byKey.delete(id);
          result.push(
            strategy === "retainKeys"
              ? exportPatchValue(match)
              : unifyPatch(item, match, tags, undefined, [...path, String(index)]),
          );
        });
        for (const element of elements) {
          const id = JSON.stringify(element.lookup(...key.split("."))?.export() ?? null);
          if (byKey.has(id)) result.push(exportPatchValue(element));
        }
        return result;
      }
      if (elements.length !== base.length && tags.force === true) return exportPatchValue(patch);
      if (elements.length !== base.length)
        throw new PatchConflict(
          `incompatible list lengths (${base.length} in the workload and ${elements.length} in the patch)`,
          path,
          "add // +patchKey=<field> above the list to merge items by key, or // +patchStrategy=replace to replace it",
        );
      return base.map((item, index) =>
        unifyPatch(item, elements[index] as CueValue, tags, undefined, [...path, String(index)]),
      );
    }
    case "incomplete":
      // A type or bound in the patch only constrains: the workload's value stands when it exists.
      return base;
    default: {
      const value = exportPatchValue(patch);
      if (!jsonEqual(value, base) && tags.force !== true)
        throw new PatchConflict(
          `conflicting values ${show(base)} (workload) and ${show(value)} (patch)`,
          path,
          "the trait sets a value the workload already has differently; add // +patchStrategy=retainKeys above the field to replace it",
          patch,
        );
      return value;
    }
  }
}

function makePatch(patch: CueValue, definition: Definition, subject: string): CuePatch {
  const strategy = commentTags(patch).patchStrategy;
  return (base) => {
    try {
      if (strategy === "jsonMergePatch")
        return applyPatch(base, exportPatchValue(patch), { strategy: "jsonMergePatch" });
      if (strategy === "jsonPatch") return applyPatch(base, exportPatchValue(patch), { strategy: "jsonPatch" });
      return unifyPatch(base, patch, strategy === "retainKeys" ? { force: true } : {}, undefined, []);
    } catch (error) {
      const position = error instanceof VelaError && error.source !== undefined ? error.source : patch.position();
      if (error instanceof PatchIncomplete)
        throw cueTemplateError(
          `definition "${definition.name}" ${subject}`,
          error.problems,
          definition.cue as CueTemplateSource,
        );
      if (error instanceof PatchConflict)
        throw new VelaError("E_PATCH_CONFLICT", `definition "${definition.name}" ${subject}: ${error.message}`, {
          ...(error.hint === undefined ? {} : { hint: error.hint }),
          ...(position === undefined ? {} : { source: position }),
        });
      throw error;
    }
  };
}

/** Renders a TraitDefinition's CUE template: `outputs`, `patch` and `patchOutputs` (applied by the caller). */
export function renderCueTrait(
  definition: TraitDefinition,
  data: CueTemplateData,
  cache: CompileCache,
  subject: string,
): CueTraitResult {
  const root = evaluateCueTemplate(definition, data, cache);
  checkConflicts(root, definition, subject);
  checkErrs(root, definition);
  const patch = root.lookup("patch");
  const patchOutputs: Record<string, CuePatch> = {};
  const outputsPatch = root.lookup("patchOutputs");
  if (outputsPatch !== undefined && outputsPatch.fieldKind === "regular")
    for (const field of outputsPatch.fields())
      patchOutputs[field.label] = makePatch(field.value, definition, `patchOutputs.${field.label}`);
  return {
    outputs: exportOutputs(root, definition),
    ...(patch === undefined || patch.fieldKind !== "regular" ? {} : { patch: makePatch(patch, definition, "patch") }),
    patchOutputs,
  };
}

/** Renders a PolicyDefinition's or WorkflowStepDefinition's CUE template for inspection (`def render`): its regular fields. */
export function renderCueValue(
  definition: Definition,
  data: CueTemplateData,
  cache: CompileCache,
  subject: string,
): JsonValue {
  const root = evaluateCueTemplate(definition, data, cache);
  checkConflicts(root, definition, subject);
  const result: JsonObject = {};
  for (const field of root.fields()) {
    if (field.label === "context") continue;
    const exported = field.value.tryExport();
    if (exported.ok) result[field.label] = exported.value;
  }
  return result;
}

// ------------------------------------------------------------------ health

type StatusOutcome = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly reason: string };

function statusValue(
  source: CueTemplateSource,
  data: CueTemplateData,
  cache: CompileCache,
  field: string,
): StatusOutcome {
  try {
    const hash = createHash("sha256").update(source.text).digest("hex").slice(0, 24);
    const program = cache.get(`cue-status/${source.file}:${source.line}#${source.pointer}/${hash}`, () =>
      compileCue(cueSourceOf(source), { injected: CUE_TEMPLATE_INJECTED, allowUnknownImports: true }),
    );
    const root = program.evaluate({
      fill: [
        { path: ["parameter"], value: data.parameter },
        { path: ["context"], value: data.context },
      ],
    });
    const value = root.lookup(field);
    if (value === undefined) return { ok: false, reason: `the status template sets no ${field}` };
    const exported = value.tryExport();
    return exported.ok
      ? { ok: true, value: exported.value }
      : { ok: false, reason: describeProblems(exported.error.problems) };
  } catch (error) {
    return { ok: false, reason: describeProblems(asCueError(error).problems) };
  }
}

/** Health of a CUE definition: `isHealth` from `status.healthPolicy` (none = healthy) and `message` from `status.customStatus`. */
export function evaluateCueStatus(
  definition: ComponentDefinition | TraitDefinition,
  data: CueTemplateData,
  cache: CompileCache,
): { readonly healthy: boolean; readonly message: string } {
  let healthy = true;
  let reason = "";
  if (definition.cueHealthPolicy !== undefined) {
    const outcome = statusValue(definition.cueHealthPolicy, data, cache, "isHealth");
    if (outcome.ok && typeof outcome.value === "boolean") healthy = outcome.value;
    else {
      healthy = false;
      reason = `health check: ${outcome.ok ? `isHealth is ${show(outcome.value)}, not a bool` : outcome.reason}`;
    }
  }
  let message = reason;
  if (definition.cueCustomStatus !== undefined) {
    const outcome = statusValue(definition.cueCustomStatus, data, cache, "message");
    if (outcome.ok && typeof outcome.value === "string") message = outcome.value;
    else if (reason === "")
      message = `status message unavailable: ${outcome.ok ? `message is ${show(outcome.value)}` : outcome.reason}`;
  }
  return { healthy, message };
}
