import type { ValidationIssue } from "../errors/index.js";
import { locateInSource, type ApplicationInput, type SourceMap } from "../model/index.js";
import { validateWorkflowSpec, type WorkflowSpec } from "../workflow/index.js";

/**
 * The problems of an Application's declared workflow (unique step names, `dependsOn` within a list
 * and without cycles, modes, timeouts), located in the user's file: what `up` and `dry-run` refuse
 * before anything is written, instead of the first reconcile finding them after the app was stored.
 */
export function declaredWorkflowIssues(app: ApplicationInput, sourceMap: SourceMap | undefined): ValidationIssue[] {
  const workflow = app.spec.workflow;
  if (workflow?.steps === undefined) return [];
  // The Application schema checked the steps' envelope; validateWorkflowSpec checks the rest and says what is wrong.
  return validateWorkflowSpec(workflow as unknown as WorkflowSpec).map((issue) => {
    const source = issue.path === undefined ? undefined : locateInSource(sourceMap, issue.path);
    return source === undefined ? issue : { ...issue, source };
  });
}
