import type { ValidationIssue } from "../errors/index.js";
import { locateInSource, type ApplicationInput, type SourceMap } from "../model/index.js";
import type { WorkflowStepInput } from "../model/application.js";
import { validateWorkflowSpec } from "../workflow/index.js";

/**
 * `canary-deploy` releases in the hub only: a step naming topology/override `policies` is refused
 * (KubeVela's step deploys per placement; vela-ts would silently ignore them otherwise).
 */
function canaryPlacementIssues(steps: readonly WorkflowStepInput[], path: string): ValidationIssue[] {
  return steps.flatMap((step, index) => {
    const policies = step.properties?.policies;
    const own: ValidationIssue[] =
      step.type === "canary-deploy" && Array.isArray(policies) && policies.length > 0
        ? [
            {
              code: "E_POLICY_UNSUPPORTED",
              message:
                `step "${step.name}": canary-deploy does not deploy per placement, ` +
                `so its policies ${JSON.stringify(policies)} would be ignored`,
              path: `${path}/${index}/properties/policies`,
              hint: "release in the hub without policies, or deploy to the placements with a deploy step",
            },
          ]
        : [];
    return [...own, ...canaryPlacementIssues(step.subSteps ?? [], `${path}/${index}/subSteps`)];
  });
}

/**
 * The problems of an Application's declared workflow (unique step names, `dependsOn` within a list
 * and without cycles, modes, timeouts), located in the user's file: what `up` and `dry-run` refuse
 * before anything is written, instead of the first reconcile finding them after the app was stored.
 */
export function declaredWorkflowIssues(app: ApplicationInput, sourceMap: SourceMap | undefined): ValidationIssue[] {
  const workflow = app.spec.workflow;
  if (workflow?.steps === undefined) return [];
  // The Application schema checked the steps' envelope; validateWorkflowSpec checks the rest and says what is wrong.
  const declared = validateWorkflowSpec(workflow);
  const issues = [...declared, ...canaryPlacementIssues(workflow.steps, "/spec/workflow/steps")];
  return issues.map((issue) => {
    const source = issue.path === undefined ? undefined : locateInSource(sourceMap, issue.path);
    return source === undefined ? issue : { ...issue, source };
  });
}
