import type { StepMemory, StepPhase, StepStatus, WorkflowStatus, WorkflowStepStatus } from "./types.js";

/**
 * Reading and immutably editing the step tree of a {@link WorkflowStatus}. Step names are unique
 * across steps and sub-steps (validated), so a name addresses a step anywhere in the tree.
 */

/** Succeeded or skipped: what KubeVela counts as a successful predecessor. */
export function isSuccessfulPhase(phase: StepPhase | undefined): boolean {
  return phase === "succeeded" || phase === "skipped";
}

/**
 * Finished for good (KubeVela `IsStepFinish`): succeeded, skipped, or failed with any reason but
 * Execute (a failed step with reason Execute is waiting to be retried).
 */
export function isStepFinished(step: Pick<StepStatus, "phase" | "reason"> | undefined): boolean {
  if (step === undefined) return false;
  if (step.phase === "succeeded" || step.phase === "skipped") return true;
  return step.phase === "failed" && step.reason !== "Execute";
}

/** Every step and sub-step, parents before their sub-steps, in status order. */
export function flattenSteps(steps: readonly WorkflowStepStatus[]): StepStatus[] {
  return steps.flatMap((step) => [step, ...(step.subSteps ?? [])]);
}

/** Status of every step and sub-step by name, without the nested sub-step lists. */
export function stepStatusByName(steps: readonly WorkflowStepStatus[]): Record<string, StepStatus> {
  const byName: Record<string, StepStatus> = {};
  for (const step of flattenSteps(steps)) {
    const { subSteps: _subSteps, ...plain } = step as WorkflowStepStatus;
    byName[step.name] = plain;
  }
  return byName;
}

/** Finds a step or sub-step by name. */
export function findStepStatus(status: Pick<WorkflowStatus, "steps">, name: string): StepStatus | undefined {
  return flattenSteps(status.steps).find((step) => step.name === name);
}

/** Applies `edit` to every step and sub-step (a group first, then its sub-steps). */
export function mapSteps(
  status: WorkflowStatus,
  edit: (step: StepStatus, parent: string | undefined) => StepStatus,
): WorkflowStatus {
  return {
    ...status,
    steps: status.steps.map((step) => {
      // A step without sub-steps is handed over as it is, so an edit that keeps it keeps its identity.
      if (step.subSteps === undefined && !("subSteps" in step)) return edit(step, undefined);
      const { subSteps, ...plain } = step;
      const edited = edit(plain, undefined);
      return subSteps === undefined ? edited : { ...edited, subSteps: subSteps.map((sub) => edit(sub, step.name)) };
    }),
  };
}

/** Replaces the step or sub-step called `name` with `edit(step)`; a group keeps its sub-steps. */
export function updateStep(
  status: WorkflowStatus,
  name: string,
  edit: (step: StepStatus) => StepStatus,
): WorkflowStatus {
  return mapSteps(status, (step) => (step.name === name ? edit(step) : step));
}

/** Memory of one step (empty when it has none). */
export function memoryOf(status: WorkflowStatus, name: string): StepMemory {
  return status.context.steps[name] ?? {};
}

/** Sets (or, with `undefined`, removes) a step's memory. */
export function setMemory(status: WorkflowStatus, name: string, memory: StepMemory | undefined): WorkflowStatus {
  const steps = { ...status.context.steps };
  if (memory === undefined || Object.keys(memory).length === 0) delete steps[name];
  else steps[name] = memory;
  return { ...status, context: { ...status.context, steps } };
}

/** A step status without the optional fields that describe an execution. */
export function resetStep(step: StepStatus): StepStatus {
  return { id: step.id, name: step.name, type: step.type, phase: "pending" };
}

/**
 * KubeVela's resume (kubevela/workflow utils ResumeWorkflow): `suspend=false` and every suspending
 * step or sub-step back to running, so it runs again and sees it was resumed.
 */
export function resumeSuspendedSteps(status: WorkflowStatus): WorkflowStatus {
  const { suspendState: _suspendState, ...rest } = status;
  return mapSteps({ ...rest, suspend: false }, (step) =>
    step.phase === "suspending" ? { ...step, phase: "running" } : step,
  );
}
