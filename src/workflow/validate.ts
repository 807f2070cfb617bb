import type { ValidationIssue } from "../errors/index.js";
import { closestMatches, findCycle, joinPointer, parseDuration } from "../util/index.js";
import type { WorkflowStepBaseSpec, WorkflowSpec } from "./types.js";

const MODES = ["StepByStep", "DAG"];

/** Options of {@link validateWorkflowSpec}. */
export interface ValidateWorkflowOptions {
  /** JSON pointer of the workflow in the user's document. @default "/spec/workflow" */
  readonly path?: string;
}

function dependsOnIssues(list: readonly WorkflowStepBaseSpec[], listPath: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const names = list.map((step) => step.name);
  list.forEach((step, index) => {
    (step.dependsOn ?? []).forEach((dependency, depIndex) => {
      if (names.includes(dependency) && dependency !== step.name) return;
      const suggestions = closestMatches(dependency, names);
      issues.push({
        code: "E_WORKFLOW_DEPENDS_ON",
        message:
          dependency === step.name
            ? `step "${step.name}" depends on itself`
            : `step "${step.name}" depends on "${dependency}", which is not a step of the same list`,
        path: joinPointer(listPath, index, "dependsOn", depIndex),
        hint:
          suggestions.length > 0
            ? `did you mean ${suggestions.map((name) => `"${name}"`).join(", ")}?`
            : `steps here: ${names.join(", ")}`,
      });
    });
  });
  // A cycle would leave its steps pending for ever: report the first one found.
  const cycle = findCycle(new Map(list.map((step) => [step.name, step.dependsOn ?? []])));
  if (cycle !== undefined) {
    const index = list.findIndex((step) => step.name === cycle[0]);
    issues.push({
      code: "E_WORKFLOW_CYCLE",
      message: `steps depend on each other in a cycle: ${cycle.join(" → ")}`,
      path: joinPointer(listPath, Math.max(0, index), "dependsOn"),
      hint: "remove one of the dependsOn entries",
    });
  }
  return issues;
}

function stepIssues(step: WorkflowStepBaseSpec, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof step.name !== "string" || step.name === "")
    issues.push({
      code: "E_WORKFLOW_STEP_NAME",
      message: "a workflow step needs a name",
      path: joinPointer(path, "name"),
    });
  if (typeof step.type !== "string" || step.type === "")
    issues.push({
      code: "E_WORKFLOW_STEP_TYPE",
      message: `step "${step.name}" needs a type`,
      path: joinPointer(path, "type"),
    });
  if (step.timeout !== undefined && parseDuration(step.timeout) === undefined) {
    issues.push({
      code: "E_WORKFLOW_TIMEOUT",
      message: `step "${step.name}": timeout "${step.timeout}" is not a duration`,
      path: joinPointer(path, "timeout"),
      hint: "use a Go duration such as 30s, 5m or 1h30m",
    });
  }
  return issues;
}

/**
 * Checks what the engine relies on: names unique across steps and sub-steps, `dependsOn` naming a
 * step of the same list without cycles, valid modes and timeouts, `subSteps` only on `step-group`.
 * Returns every problem found (empty = valid).
 */
export function validateWorkflowSpec(spec: WorkflowSpec, options: ValidateWorkflowOptions = {}): ValidationIssue[] {
  const base = options.path ?? "/spec/workflow";
  const issues: ValidationIssue[] = [];
  for (const key of ["steps", "subSteps"] as const) {
    const mode = spec.mode?.[key];
    if (mode !== undefined && !MODES.includes(mode)) {
      issues.push({
        code: "E_WORKFLOW_MODE",
        message: `workflow mode ${key} "${String(mode)}" is not known`,
        path: joinPointer(base, "mode", key),
        hint: "use StepByStep or DAG",
      });
    }
  }
  const seen = new Map<string, string>();
  const steps = spec.steps ?? [];
  const stepsPath = joinPointer(base, "steps");
  const checkName = (name: string, path: string): void => {
    const first = seen.get(name);
    if (first !== undefined)
      issues.push({
        code: "E_WORKFLOW_STEP_DUPLICATE",
        message: `step name "${name}" is used twice (first at ${first})`,
        path: joinPointer(path, "name"),
        hint: "step and sub-step names must be unique in a workflow",
      });
    else seen.set(name, path);
  };
  steps.forEach((step, index) => {
    const path = joinPointer(stepsPath, index);
    issues.push(...stepIssues(step, path));
    checkName(step.name, path);
    if (step.mode !== undefined && !MODES.includes(step.mode)) {
      issues.push({
        code: "E_WORKFLOW_MODE",
        message: `step "${step.name}": mode "${String(step.mode)}" is not known`,
        path: joinPointer(path, "mode"),
        hint: "use StepByStep or DAG",
      });
    }
    if (step.subSteps !== undefined && step.type !== "step-group") {
      issues.push({
        code: "E_WORKFLOW_SUBSTEPS",
        message: `step "${step.name}" of type "${step.type}" cannot have subSteps`,
        path: joinPointer(path, "subSteps"),
        hint: 'only a step of type "step-group" holds subSteps',
      });
    }
    const subSteps = step.subSteps ?? [];
    subSteps.forEach((sub, subIndex) => {
      const subPath = joinPointer(path, "subSteps", subIndex);
      issues.push(...stepIssues(sub, subPath));
      checkName(sub.name, subPath);
      if ("subSteps" in sub)
        issues.push({
          code: "E_WORKFLOW_SUBSTEPS",
          message: `sub-step "${sub.name}" cannot have subSteps`,
          path: joinPointer(subPath, "subSteps"),
          hint: "step groups do not nest",
        });
    });
    issues.push(...dependsOnIssues(subSteps, joinPointer(path, "subSteps")));
  });
  issues.push(...dependsOnIssues(steps, stepsPath));
  return issues;
}
