import { assertNever } from "../errors/index.js";
import { flattenSteps, isStepFinished, isSuccessfulPhase } from "./status-tree.js";
import type { StepStatus, WorkflowPhase, WorkflowSpec, WorkflowStatus } from "./types.js";

/** The workflow phase and a one-line message for people. */
export interface DerivedPhase {
  readonly phase: WorkflowPhase;
  readonly message: string;
}

/** KubeVela's wording when failed steps terminate a run (kubevela/workflow `MessageTerminated`). */
export const MESSAGE_TERMINATED = "the workflow terminates because of the failed steps";

function describe(step: StepStatus): string {
  return step.message === undefined || step.message === ""
    ? `step "${step.name}"`
    : `step "${step.name}": ${step.message}`;
}

/**
 * Decides the workflow phase from the spec and the saved status: the only place it is decided
 * (KubeVela: executor `ExecuteRunners` + the application controller's phase switch).
 *
 * - no status, or nothing started yet → `initializing`;
 * - steps left to run: `suspending` when suspended, else `executing` (also while a terminated run
 *   still runs its `if: always` steps);
 * - all steps finished: `failed` if a step failed after retries, else `terminated` if the run was
 *   terminated (a timeout, a `fail` action, `workflow terminate`), else `succeeded` when every step
 *   succeeded or was skipped, else `failed`.
 */
export function derivePhase(spec: WorkflowSpec, status: WorkflowStatus | undefined): DerivedPhase {
  if (status === undefined) return { phase: "initializing", message: "" };
  const byName = new Map(status.steps.map((step) => [step.name, step]));
  const declared = (spec.steps ?? []).map((step) => byName.get(step.name));
  const allDone = declared.every((step) => isStepFinished(step));
  const leaves = flattenSteps(status.steps);

  if (!allDone) {
    if (status.suspend) {
      const suspended = leaves.find((step) => step.phase === "suspending" && step.type !== "step-group");
      if (status.suspendState === "manual" || suspended === undefined)
        return { phase: "suspending", message: "the workflow is suspended" };
      return { phase: "suspending", message: describe(suspended) };
    }
    const started = leaves.some((step) => step.firstExecuteTime !== undefined || step.phase !== "pending");
    if (!started && !status.terminated) return { phase: "initializing", message: "" };
    const active = leaves.find(
      (step) =>
        step.type !== "step-group" &&
        (step.phase === "running" || (step.phase === "failed" && step.reason === "Execute")),
    );
    return { phase: "executing", message: active === undefined ? "" : describe(active) };
  }

  const failedAfterRetries = leaves.find(
    (step) => step.phase === "failed" && step.reason === "FailedAfterRetries" && step.type !== "step-group",
  );
  if (failedAfterRetries !== undefined)
    return { phase: "failed", message: `${describe(failedAfterRetries)} (failed after retries)` };
  if (status.terminated) {
    const failed = leaves.find(
      (step) => step.phase === "failed" && step.reason !== "Terminate" && step.type !== "step-group",
    );
    if (failed !== undefined) return { phase: "terminated", message: `${MESSAGE_TERMINATED}: ${describe(failed)}` };
    const terminator = leaves.find((step) => step.phase === "succeeded" && step.reason === "Terminate");
    if (terminator !== undefined)
      return { phase: "terminated", message: `the workflow was terminated by ${describe(terminator)}` };
    return { phase: "terminated", message: "the workflow was terminated" };
  }
  const unsuccessful = declared.find((step) => !isSuccessfulPhase(step?.phase));
  if (unsuccessful === undefined) return { phase: "succeeded", message: "" };
  const failedLeaf = leaves.find((step) => step.phase === "failed" && step.type !== "step-group") ?? unsuccessful;
  return { phase: "failed", message: failedLeaf === undefined ? "the workflow failed" : describe(failedLeaf) };
}

/** Application phases (`status.status`), exactly KubeVela's strings (common.ApplicationPhase). */
export type ApplicationPhase =
  | "starting"
  | "rendering"
  | "generatingPolicy"
  | "runningWorkflow"
  | "workflowSuspending"
  | "workflowTerminated"
  | "workflowFailed"
  | "running"
  | "unhealthy"
  | "deleting";

/**
 * The application phase for a workflow phase (absent = no run yet) and the health of its services:
 * a finished workflow gives `running` or `unhealthy`.
 */
export function deriveAppPhase(workflowPhase: WorkflowPhase | undefined, healthy: boolean): ApplicationPhase {
  switch (workflowPhase) {
    case undefined:
      return "starting";
    case "initializing":
    case "executing":
      return "runningWorkflow";
    case "suspending":
      return "workflowSuspending";
    case "terminated":
      return "workflowTerminated";
    case "failed":
      return "workflowFailed";
    case "succeeded":
    case "skipped":
      return healthy ? "running" : "unhealthy";
    default:
      return assertNever(workflowPhase, "workflow phase");
  }
}
