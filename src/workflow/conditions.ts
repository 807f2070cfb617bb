import { toJsonObject, type JsonObject } from "../util/index.js";
import { evaluateWorkflowExpression, WorkflowExpressionError } from "./expressions.js";
import type { StepProcessContext, StepStatus } from "./types.js";

/** What `if` sees and what decides an empty `if`. */
export interface IfEnvironment {
  /** Earlier steps (StepByStep) or `dependsOn` steps, transitively (DAG), all succeeded or skipped. */
  readonly predecessorsSuccessful: boolean;
  readonly terminated: boolean;
  readonly stepStatus: Readonly<Record<string, StepStatus>>;
  readonly inputs: Readonly<JsonObject>;
  readonly context: StepProcessContext;
}

/** Whether a step runs, and when it does not, why. */
export type IfDecision = { readonly run: true } | { readonly run: false; readonly message?: string };

/** `status.<step>` as `if` sees it (KubeVela's fields, so `status.deploy.timeout` works). */
export function conditionStatusOf(stepStatus: Readonly<Record<string, StepStatus>>): JsonObject {
  const out: JsonObject = {};
  for (const [name, step] of Object.entries(stepStatus)) {
    out[name] = {
      phase: step.phase,
      reason: step.reason ?? "",
      message: step.message ?? "",
      succeeded: step.phase === "succeeded",
      failed: step.phase === "failed",
      skipped: step.phase === "skipped",
      timeout: step.phase === "failed" && step.reason === "Timeout",
      failedAfterRetries: step.phase === "failed" && step.reason === "FailedAfterRetries",
      terminate: step.reason === "Terminate",
    };
  }
  return out;
}

/**
 * Decides a step's `if` (kubevela/workflow generateRunOptions): empty = run only when every
 * predecessor succeeded or was skipped and the run is not terminated; `always` = run; anything else
 * is a condition over `status`, `inputs` and `context`, in KubeVela's CUE syntax or CEL (an invalid
 * one skips the step with the error as its message, like KubeVela).
 */
export function evaluateIf(expression: string | undefined, env: IfEnvironment): IfDecision {
  const text = expression?.trim() ?? "";
  if (text === "always") return { run: true };
  if (text === "") return env.predecessorsSuccessful && !env.terminated ? { run: true } : { run: false };
  try {
    const value = evaluateWorkflowExpression(text, {
      status: conditionStatusOf(env.stepStatus),
      inputs: env.inputs,
      // KubeVela's templates call the application `context.name`.
      context: { ...toJsonObject(structuredClone(env.context)), name: env.context.appName },
    });
    if (typeof value !== "boolean")
      return { run: false, message: `if "${text}" gave ${JSON.stringify(value)}, not a boolean` };
    return value ? { run: true } : { run: false };
  } catch (error) {
    if (!(error instanceof WorkflowExpressionError)) throw error;
    return { run: false, message: error.message };
  }
}
