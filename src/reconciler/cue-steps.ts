import { validateProperties } from "../appfile/index.js";
import type { DefinitionRegistry } from "../definitions/index.js";
import { ValidationError } from "../errors/index.js";
import type { JsonObject } from "../util/index.js";
import type { CueStepSource } from "../workflow/index.js";

/**
 * The CUE step of a run (`StepHooks.cueStep`): the WorkflowStepDefinition of `type` when it is
 * written in CUE, its parameter checked and defaulted against the definition (a ValidationError
 * fails the step), the step's `context` and the app's components by name; undefined otherwise.
 */
export function cueStepSource(
  registry: DefinitionRegistry,
  type: string,
  parameter: JsonObject,
  context: JsonObject,
  components: Readonly<Record<string, JsonObject>>,
): CueStepSource | undefined {
  const definition = registry.findWorkflowStep(type);
  if (definition?.cue === undefined) return undefined;
  const { value, issues } = validateProperties(definition, parameter, registry.cache, {
    code: "E_PARAM_INVALID",
    basePath: "/properties",
    subject: `workflow step "${definition.name}"`,
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return { definition: { ...definition, cue: definition.cue }, parameter: value, context, components };
}

/** The application's components by name, as `op.#Load` gives them (name, type, properties, traits…). */
export function componentsByName(components: readonly JsonObject[]): Record<string, JsonObject> {
  const byName: Record<string, JsonObject> = {};
  for (const component of components)
    if (typeof component["name"] === "string") byName[component["name"]] = structuredClone(component);
  return byName;
}
