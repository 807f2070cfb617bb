import { isStepFinished, isSuccessfulPhase } from "../status-tree.js";
import type { StepOutcome, StepRunner, StepStatus } from "../types.js";

/**
 * The outcome of a `step-group` from its sub-steps' statuses: suspended while one is suspended,
 * running until all are finished, then succeeded when all succeeded or were skipped, else failed
 * with the first failed sub-step's reason (final: the sub-step already retried).
 */
export function summariseSubSteps(subSteps: readonly StepStatus[]): StepOutcome {
  const suspended = subSteps.find((step) => step.phase === "suspending");
  if (suspended !== undefined)
    return {
      kind: "suspended",
      message: `sub-step "${suspended.name}" is suspended${suspended.message ? `: ${suspended.message}` : ""}`,
    };
  const open = subSteps.filter((step) => !isStepFinished(step));
  if (open.length > 0)
    return {
      kind: "running",
      reason: "Wait",
      message: `waiting for sub-steps: ${open.map((step) => step.name).join(", ")}`,
    };
  const failed = subSteps.find((step) => !isSuccessfulPhase(step.phase));
  if (failed === undefined) return { kind: "succeeded" };
  return {
    kind: "failed",
    retryable: false,
    reason: failed.reason === undefined || failed.reason === "Execute" ? "Action" : failed.reason,
    message: `sub-step "${failed.name}" failed${failed.message ? `: ${failed.message}` : ""}`,
  };
}

/**
 * `step-group`: runs its `subSteps` (DAG by default, or the group's `mode`/`workflow.mode.subSteps`)
 * through the engine's {@link SubStepDriver}; a group without sub-steps succeeds at once.
 */
export const stepGroupRunner: StepRunner = {
  type: "step-group",
  async run(_step, ctx) {
    if (ctx.subSteps === undefined) return { kind: "succeeded" };
    return summariseSubSteps(await ctx.subSteps.advance());
  },
};
