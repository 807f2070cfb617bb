import { compileCue, CueError, describeProblem, type CueProgram } from "../cue/index.js";
import type { Definition } from "../definitions/index.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/index.js";
import { isJsonObject, toJsonValue, type JsonObject, type JsonValue } from "../util/index.js";

/** The kind of live object a decompile rule reads (`targetResource`). */
export interface TargetResource {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * One decompile rule of a definition (`spec.decompile`, a DecompileConfig): a CUE template whose
 * `parameter` is the live object (and `context` what else was read) and whose `output` is the
 * component's properties (ComponentDefinition) or the trait's properties (TraitDefinition). A trait
 * rule that leaves `output` unset proposes no trait for that object.
 */
export interface DecompileRule {
  readonly definition: Definition;
  readonly targetResource: TargetResource;
  /** Where the rule is written: `<file>#/spec/decompile/<i>`. */
  readonly location: string;
  readonly program: CueProgram;
}

const compiled = new WeakMap<Definition, readonly DecompileRule[]>();

function ruleError(definition: Definition, index: number, message: string): VelaError {
  return new VelaError("E_DECOMPILE_RULE", `definition "${definition.name}": spec.decompile[${index}]: ${message}`, {
    path: `/spec/decompile/${index}`,
    hint: `${definition.origin.file}: a decompile rule is {targetResource: {apiVersion, kind}, template: <CUE setting output from parameter>}`,
  });
}

function targetOf(definition: Definition, index: number, value: JsonValue | undefined): TargetResource {
  if (!isJsonObject(value) || typeof value.apiVersion !== "string" || typeof value.kind !== "string")
    throw ruleError(definition, index, "targetResource needs apiVersion and kind");
  return { apiVersion: value.apiVersion, kind: value.kind };
}

function compileRule(definition: Definition, index: number, entry: JsonValue): DecompileRule {
  if (!isJsonObject(entry)) throw ruleError(definition, index, "is not a mapping");
  const unknown = Object.keys(entry).filter((key) => key !== "targetResource" && key !== "template");
  if (unknown.length > 0) throw ruleError(definition, index, `unknown field ${unknown.join(", ")}`);
  const template = entry.template;
  if (typeof template !== "string" || template.trim() === "")
    throw ruleError(definition, index, "template must be CUE text");
  const location = `${definition.origin.file}#/spec/decompile/${index}`;
  try {
    const program = compileCue({ file: location, text: template }, { injected: ["parameter", "context"] });
    return { definition, targetResource: targetOf(definition, index, entry.targetResource), location, program };
  } catch (error) {
    if (!(error instanceof CueError)) throw error;
    throw ruleError(definition, index, error.problems.map(describeProblem).join("; "));
  }
}

/** The decompile rules of a definition (compiled once per loaded definition); none when it has no `spec.decompile`. */
export function decompileRulesOf(definition: Definition): readonly DecompileRule[] {
  const known = compiled.get(definition);
  if (known !== undefined) return known;
  const raw = definition.input.spec.decompile;
  const entries = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const rules = entries.map((entry, index) => compileRule(definition, index, entry));
  compiled.set(definition, rules);
  return rules;
}

/** Whether a rule reads objects like `object` (same kind and API group; any version of the group). */
export function ruleTargets(rule: DecompileRule, object: KubeObject): boolean {
  const group = (apiVersion: string): string => (apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "");
  return rule.targetResource.kind === object.kind && group(rule.targetResource.apiVersion) === group(object.apiVersion);
}

/** What a rule sees besides the live object. */
export interface DecompileContext {
  /** The component's name (the workload's name). */
  readonly name: string;
  readonly namespace: string;
  /** The live workload the component is decompiled from. */
  readonly workload: KubeObject;
  /** Every live object being decompiled, the workload included. */
  readonly objects: readonly KubeObject[];
}

/**
 * Runs a rule on one live object: the rule's `output` (properties), or `undefined` when the rule
 * sets none. A rule that fails on the object is `E_DECOMPILE_RULE` naming the rule and the object.
 */
export function runDecompileRule(
  rule: DecompileRule,
  live: KubeObject,
  context: DecompileContext,
): JsonObject | undefined {
  const subject = `${live.kind} ${context.namespace}/${live.metadata.name ?? ""}`;
  try {
    const root = rule.program.evaluate({
      fill: [
        { path: ["parameter"], value: toJsonValue(live) },
        {
          path: ["context"],
          value: {
            name: context.name,
            namespace: context.namespace,
            workload: toJsonValue(context.workload),
            objects: context.objects.map((object) => toJsonValue(object)),
          },
        },
      ],
    });
    const output = root.lookup("output");
    if (output === undefined) return undefined;
    const value = output.export();
    if (!isJsonObject(value))
      throw new CueError([{ kind: "conflict", message: "output is not a struct", path: "output", positions: [] }]);
    return value;
  } catch (error) {
    if (!(error instanceof CueError)) throw error;
    throw new VelaError(
      "E_DECOMPILE_RULE",
      `decompile rule of "${rule.definition.name}" failed on ${subject}: ${error.problems.map(describeProblem).join("; ")}`,
      { hint: `the rule is ${rule.location}` },
    );
  }
}
