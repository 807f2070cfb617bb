import type { WorkflowSpec, WorkflowStepInput, WorkflowStepOutput, WorkflowStepSpec } from "./types.js";

/** What default workflow generation needs of a component (KubeVela's component fields). */
export interface WorkflowComponentInput {
  readonly name: string;
  readonly dependsOn?: readonly string[];
  readonly inputs?: readonly WorkflowStepInput[];
  readonly outputs?: readonly WorkflowStepOutput[];
}

/**
 * The workflow KubeVela generates when an app declares none (kubevela:pkg/workflow/step/generator.go):
 * one `apply-component` step per component, named after it, `properties.component` set, `dependsOn`
 * copied, run as a DAG. Component `inputs` land under `properties.` of the step, so they patch the
 * component's properties (`parameterKey: image` → `properties.image`); `outputs` are copied as is and
 * read the step value `{output, outputs}` (e.g. `valueFrom: output.status.podIP`).
 */
export function generateDefaultWorkflow(components: readonly WorkflowComponentInput[]): WorkflowSpec {
  return {
    mode: { steps: "DAG", subSteps: "DAG" },
    steps: components.map((component): WorkflowStepSpec => ({
      name: component.name,
      type: "apply-component",
      properties: { component: component.name },
      ...(component.dependsOn === undefined || component.dependsOn.length === 0
        ? {}
        : { dependsOn: [...component.dependsOn] }),
      ...(component.inputs === undefined || component.inputs.length === 0
        ? {}
        : {
            inputs: component.inputs.map((input) => ({
              from: input.from,
              ...(input.parameterKey === undefined || input.parameterKey === ""
                ? {}
                : { parameterKey: `properties.${input.parameterKey}` }),
            })),
          }),
      ...(component.outputs === undefined || component.outputs.length === 0
        ? {}
        : { outputs: component.outputs.map((output) => ({ ...output })) }),
    })),
  };
}

/** A `deploy` step KubeVela generates for an app without a workflow whose policies place it (topology, override). */
export interface DefaultDeployStep {
  readonly name: string;
  readonly policies: readonly string[];
}

/**
 * The workflow an app runs: its own steps when it declares any, else the generated default — one
 * `deploy` step per topology policy (with every override policy) when `deploySteps` are given, as
 * KubeVela generates for placed apps, else one `apply-component` step per component.
 */
export function resolveWorkflow(app: {
  readonly components: readonly WorkflowComponentInput[];
  readonly workflow?: WorkflowSpec | undefined;
  readonly deploySteps?: readonly DefaultDeployStep[];
}): WorkflowSpec {
  const declared = app.workflow;
  if (declared !== undefined && (declared.steps ?? []).length > 0) return declared;
  if (app.deploySteps !== undefined && app.deploySteps.length > 0)
    return {
      mode: { steps: "StepByStep", subSteps: "DAG" },
      steps: app.deploySteps.map((step) => ({
        name: step.name,
        type: "deploy",
        properties: { policies: [...step.policies] },
      })),
    };
  return generateDefaultWorkflow(app.components);
}
