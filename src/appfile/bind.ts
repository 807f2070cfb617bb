import { ValidationError, type ValidationIssue } from "../errors/index.js";
import type { DefinitionRegistry } from "../definitions/index.js";
import {
  locateInSource,
  publishVersionOf,
  type ApplicationInput,
  type DataInput,
  type SourceMap,
  type WorkflowStepInput,
} from "../model/index.js";
import { joinPointer, toJsonObject, type JsonObject } from "../util/index.js";
import { declaredWorkloadResource, traitAppliesTo, traitConflictsWith } from "./applies-to.js";
import { validateProperties } from "./params.js";
import type { Appfile, AppfileComponent, AppfilePolicy, AppfileTrait, AppfileWorkflowStep } from "./types.js";

/** Options of {@link bindAppfile}. */
export interface BindOptions {
  /** Source map of the Application file, so every issue names file:line:col. */
  readonly sourceMap?: SourceMap;
  /**
   * Namespace when the Application's metadata has none.
   * @default "default"
   */
  readonly namespace?: string;
}

interface Binder {
  readonly registry: DefinitionRegistry;
  readonly sourceMap: SourceMap | undefined;
  readonly issues: ValidationIssue[];
  /** What CUE templates see as `context` at bind time (the revision facts come later). */
  readonly context: JsonObject;
}

function report(binder: Binder, issue: Omit<ValidationIssue, "source">): void {
  const source = issue.path === undefined ? undefined : locateInSource(binder.sourceMap, issue.path);
  binder.issues.push({ ...issue, ...(source === undefined ? {} : { source }) });
}

function inputKeys(basePath: string, inputs: readonly DataInput[] | undefined): ReadonlySet<string> {
  return new Set(
    (inputs ?? []).flatMap((input) =>
      input.parameterKey === undefined ? [] : [joinPointer(basePath, ...input.parameterKey.split("."))],
    ),
  );
}

function bindProperties(
  binder: Binder,
  definition: Parameters<typeof validateProperties>[0],
  properties: JsonObject | undefined,
  path: string,
  subject: string,
  inputs?: readonly DataInput[],
  context: JsonObject = binder.context,
): JsonObject {
  const basePath = joinPointer(path, "properties");
  const { value, issues } = validateProperties(
    definition,
    properties,
    binder.registry.cache,
    {
      code: "E_PARAM_INVALID",
      basePath,
      subject,
      sourceMap: binder.sourceMap,
      ignoreMissing: inputKeys(basePath, inputs),
    },
    context,
  );
  binder.issues.push(...issues);
  return value;
}

function conflictHint(trait: AppfileTrait, other: AppfileTrait): string {
  const declaring = traitConflictsWith(trait.definition, other.definition.name) ? trait : other;
  return `remove one of them; "${declaring.type}" declares conflictsWith: ${declaring.definition.conflictsWith.join(", ")}`;
}

function bindComponent(binder: Binder, app: ApplicationInput, index: number): AppfileComponent | undefined {
  const input = app.spec.components[index];
  if (input === undefined) return undefined;
  const path = joinPointer("/spec/components", index);
  const subject = `component "${input.name}"`;
  const definition = binder.registry.findComponent(input.type);
  if (definition === undefined) {
    const miss = binder.registry.describeMiss("ComponentDefinition", input.type);
    report(binder, {
      code: "E_DEF_NOT_FOUND",
      message: `${subject}: ${miss.message}`,
      path: joinPointer(path, "type"),
      hint: miss.hint,
    });
  }
  const componentContext: JsonObject = { ...binder.context, name: input.name, componentType: input.type };
  const properties =
    definition === undefined
      ? {}
      : bindProperties(binder, definition, input.properties, path, subject, input.inputs, componentContext);
  const resource = definition === undefined ? undefined : declaredWorkloadResource(definition.workload);
  const traits: AppfileTrait[] = [];
  (input.traits ?? []).forEach((traitInput, traitIndex) => {
    const traitPath = joinPointer(path, "traits", traitIndex);
    const traitSubject = `${subject}: trait "${traitInput.type}"`;
    const trait = binder.registry.findTrait(traitInput.type);
    if (trait === undefined) {
      const miss = binder.registry.describeMiss("TraitDefinition", traitInput.type);
      report(binder, {
        code: "E_DEF_NOT_FOUND",
        message: `${subject}: ${miss.message}`,
        path: joinPointer(traitPath, "type"),
        hint: miss.hint,
      });
      return;
    }
    if (definition !== undefined && resource !== undefined && !traitAppliesTo(trait, input.type, resource)) {
      report(binder, {
        code: "E_TRAIT_NOT_APPLICABLE",
        message: `${traitSubject} does not apply to a "${input.type}" component (workload ${resource})`,
        path: joinPointer(traitPath, "type"),
        hint: `"${trait.name}" applies to: ${trait.appliesToWorkloads.join(", ")}`,
      });
    }
    traits.push({
      type: traitInput.type,
      definition: trait,
      properties: bindProperties(
        binder,
        trait,
        traitInput.properties,
        traitPath,
        traitSubject,
        undefined,
        componentContext,
      ),
      path: traitPath,
    });
  });
  traits.forEach((trait, position) => {
    for (const other of traits.slice(0, position)) {
      if (
        traitConflictsWith(trait.definition, other.definition.name) ||
        traitConflictsWith(other.definition, trait.definition.name)
      ) {
        report(binder, {
          code: "E_TRAIT_CONFLICT",
          message: `${subject}: trait "${trait.type}" conflicts with trait "${other.type}"`,
          path: joinPointer(trait.path, "type"),
          hint: conflictHint(trait, other),
        });
      }
    }
  });
  if (definition === undefined) return undefined;
  return {
    name: input.name,
    type: input.type,
    definition,
    properties,
    traits,
    dependsOn: input.dependsOn ?? [],
    inputs: input.inputs ?? [],
    outputs: input.outputs ?? [],
    ...(input.externalRevision === undefined ? {} : { externalRevision: input.externalRevision }),
    path,
    input,
  };
}

function bindPolicy(binder: Binder, app: ApplicationInput, index: number): AppfilePolicy | undefined {
  const input = app.spec.policies?.[index];
  if (input === undefined) return undefined;
  const path = joinPointer("/spec/policies", index);
  const name = input.name === undefined || input.name === "" ? `${input.type}-auto-gen-${index}` : input.name;
  const subject = `policy "${name}"`;
  const definition = binder.registry.findPolicy(input.type);
  if (definition === undefined) {
    const miss = binder.registry.describeMiss("PolicyDefinition", input.type);
    report(binder, {
      code: "E_DEF_NOT_FOUND",
      message: `${subject}: ${miss.message}`,
      path: joinPointer(path, "type"),
      hint: miss.hint,
    });
    return undefined;
  }
  return {
    name,
    type: input.type,
    definition,
    properties: bindProperties(binder, definition, input.properties, path, subject),
    path,
  };
}

function bindStep(binder: Binder, input: WorkflowStepInput, path: string): AppfileWorkflowStep | undefined {
  const subject = `workflow step "${input.name}"`;
  const definition = binder.registry.findWorkflowStep(input.type);
  if (definition === undefined) {
    const miss = binder.registry.describeMiss("WorkflowStepDefinition", input.type);
    report(binder, {
      code: "E_DEF_NOT_FOUND",
      message: `${subject}: ${miss.message}`,
      path: joinPointer(path, "type"),
      hint: miss.hint,
    });
  }
  const subSteps = (input.subSteps ?? []).flatMap((sub, index) => {
    const bound = bindStep(binder, sub, joinPointer(path, "subSteps", index));
    return bound === undefined ? [] : [bound];
  });
  if (definition === undefined) return undefined;
  return {
    name: input.name,
    type: input.type,
    definition,
    properties: bindProperties(binder, definition, input.properties, path, subject, input.inputs),
    dependsOn: input.dependsOn ?? [],
    ...(input.if === undefined ? {} : { if: input.if }),
    ...(input.timeout === undefined ? {} : { timeout: input.timeout }),
    inputs: input.inputs ?? [],
    outputs: input.outputs ?? [],
    ...(input.meta?.alias === undefined ? {} : { alias: input.meta.alias }),
    ...(input.mode === undefined ? {} : { mode: input.mode }),
    subSteps,
    path,
  };
}

/**
 * Binds an Application to its definitions (KubeVela's appfile parser): each component, trait,
 * policy and declared workflow step is matched to its definition; properties are validated,
 * defaulted and completed; `appliesToWorkloads` and `conflictsWith` are checked. Every problem is
 * collected (`E_DEF_NOT_FOUND` with "did you mean", `E_PARAM_INVALID`, `E_TRAIT_NOT_APPLICABLE`,
 * `E_TRAIT_CONFLICT`) and thrown as one ValidationError pointing into the user's file.
 */
export function bindAppfile(app: ApplicationInput, registry: DefinitionRegistry, options: BindOptions = {}): Appfile {
  const binder: Binder = {
    registry,
    sourceMap: options.sourceMap,
    issues: [],
    context: {
      appName: app.metadata.name,
      namespace: app.metadata.namespace ?? options.namespace ?? "default",
      appLabels: app.metadata.labels ?? {},
      appAnnotations: app.metadata.annotations ?? {},
      components: app.spec.components.map((component) => toJsonObject(component)),
      publishVersion: publishVersionOf(app) ?? null,
    },
  };
  const components = app.spec.components.flatMap((_, index) => {
    const bound = bindComponent(binder, app, index);
    return bound === undefined ? [] : [bound];
  });
  const policies = (app.spec.policies ?? []).flatMap((_, index) => {
    const bound = bindPolicy(binder, app, index);
    return bound === undefined ? [] : [bound];
  });
  const workflowInput = app.spec.workflow;
  const steps = (workflowInput?.steps ?? []).flatMap((step, index) => {
    const bound = bindStep(binder, step, joinPointer("/spec/workflow/steps", index));
    return bound === undefined ? [] : [bound];
  });
  if (binder.issues.length > 0) throw new ValidationError(binder.issues);
  const publishVersion = publishVersionOf(app);
  return {
    name: app.metadata.name,
    namespace: app.metadata.namespace ?? options.namespace ?? "default",
    labels: app.metadata.labels ?? {},
    annotations: app.metadata.annotations ?? {},
    ...(publishVersion === undefined ? {} : { publishVersion }),
    application: app,
    components,
    policies,
    ...(workflowInput?.steps === undefined && workflowInput?.ref === undefined
      ? {}
      : {
          workflow: {
            ...(workflowInput.ref === undefined ? {} : { ref: workflowInput.ref }),
            ...(workflowInput.mode === undefined ? {} : { mode: workflowInput.mode }),
            steps,
          },
        }),
    cache: registry.cache,
    ...(options.sourceMap === undefined ? {} : { sourceMap: options.sourceMap }),
  };
}
