/**
 * The workflow stage: a re-entrant state machine over KubeVela's `status.workflow`
 * (advance → derive phase), the step runners, and the workflow operations as status edits.
 */
export * from "./types.js";
export { advanceWorkflow, initialWorkflowStatus, workflowModeOf } from "./engine.js";
export type { AdvanceResult, EngineContext } from "./engine.js";
export { derivePhase, deriveAppPhase, MESSAGE_TERMINATED } from "./phase.js";
export type { ApplicationPhase, DerivedPhase } from "./phase.js";
export { generateDefaultWorkflow, resolveWorkflow } from "./generate.js";
export type { DefaultDeployStep, WorkflowComponentInput } from "./generate.js";
export {
  findSuspendedSteps,
  isActivelyRunning,
  isSuspended,
  restartWorkflow,
  resumeWorkflow,
  suspendWorkflow,
  terminateWorkflow,
  WorkflowOperationError,
} from "./operations.js";
export type { OperationResult, RestartOptions, SuspendedStep } from "./operations.js";
export {
  aliasStepRunner,
  BUILTIN_STEP_RUNNERS,
  builtinStepRegistry,
  createStepRegistry,
  findStepRunner,
  withStepRunners,
} from "./registry.js";
export type { StepRegistry, StepRegistryOptions } from "./registry.js";
export { backoffDelayMs, DEFAULT_MAX_RETRIES } from "./backoff.js";
export type { RetryOptions } from "./backoff.js";
export { validateWorkflowSpec } from "./validate.js";
export type { ValidateWorkflowOptions } from "./validate.js";
export { findStepStatus, flattenSteps, isStepFinished, stepStatusByName } from "./status-tree.js";
export { readPath, resolveParameter, readOutputs } from "./data-passing.js";
export { evaluateIf } from "./conditions.js";
export * from "./steps/index.js";
export * from "./cue/index.js";
export { storedWorkflowOf } from "./stored-status.js";
