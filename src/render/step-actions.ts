import { validateProperties } from "../appfile/index.js";
import type { DefinitionRegistry, WorkflowStepDefinition } from "../definitions/index.js";
import { ValidationError, VelaError } from "../errors/index.js";
import { renderTemplate } from "./index.js";
import type { JsonObject, JsonValue } from "../util/index.js";
import type { StepProcessContext } from "../workflow/index.js";

/**
 * The `actions` of a WorkflowStepDefinition written in the handlebars format (DESIGN §4): its
 * template, given the step's parameter (validated and defaulted by the definition's schema) and
 * `context`, renders a YAML list of actions that the workflow's actions runner carries out.
 * `def render`/`def vet` and the reconciler render them the same way.
 */

/**
 * Renders `definition`'s actions. Throws `ValidationError` for a parameter the schema refuses and
 * `E_TEMPLATE` for a template that does not render a list, both naming the definition file's line.
 */
export function renderStepActions(
  definition: WorkflowStepDefinition,
  registry: DefinitionRegistry,
  properties: JsonObject,
  context: JsonObject,
): JsonValue[] {
  const { value, issues } = validateProperties(definition, properties, registry.cache, {
    code: "E_PARAM_INVALID",
    basePath: "/properties",
    subject: `workflow step "${definition.name}"`,
  });
  if (issues.length > 0) throw new ValidationError(issues);
  if (definition.actions === undefined) {
    throw new VelaError(
      "E_STEP_NOT_IMPLEMENTED",
      `workflow step "${definition.name}" names builtin "${definition.builtin ?? ""}", which vela-ts does not implement`,
      {
        hint: `vela-ts runs builtin steps it implements and steps written with actions (docs/definitions.md); see vela-ts def list -t workflow-step`,
      },
    );
  }
  const actions =
    renderTemplate(
      definition.actions,
      { parameter: value, context },
      {
        cache: registry.cache,
        subject: `definition "${definition.name}" actions`,
        check: { parameterSchema: definition.parameterSchema },
      },
    ) ?? [];
  if (!Array.isArray(actions)) {
    throw new VelaError("E_TEMPLATE", `definition "${definition.name}" actions: must render a YAML list of actions`, {
      source: { file: definition.actions.file, line: definition.actions.line, column: 1 },
      hint: "start each action with - apply:, - wait:, - suspend: … (docs/definitions.md)",
    });
  }
  return actions;
}

/** The facts about the app a step's template sees as `context` (KubeVela's process context). */
export interface StepTemplateApp {
  readonly components: JsonValue;
  readonly appLabels: Readonly<Record<string, string>>;
  readonly appAnnotations: Readonly<Record<string, string>>;
}

/** `context` of a step's actions template: the engine's process context plus the app's labels and components. */
export function stepTemplateContext(process: StepProcessContext, app: StepTemplateApp): JsonObject {
  return {
    name: process.appName,
    appName: process.appName,
    namespace: process.namespace,
    appRevision: process.appRevision,
    appRevisionNum: process.appRevisionNum ?? null,
    revision: process.appRevision,
    publishVersion: process.publishVersion ?? null,
    workflowName: process.workflowName,
    stepName: process.stepName,
    stepSessionID: process.stepSessionID,
    components: app.components,
    appLabels: { ...app.appLabels },
    appAnnotations: { ...app.appAnnotations },
  };
}
