/**
 * The step runtime for WorkflowStepDefinitions written in CUE, and the provider packages their
 * templates import (`vela/op`, `vela/kube`, `vela/builtin`, `vela/util`, `vela/http`).
 */
export { allTaskProblems, runCueStep, compileStepTemplate, missingProviders } from "./runtime.js";
export type { CueStepSource } from "./runtime.js";
export { createStepProviderRegistry, missingProvider, UNAVAILABLE_PROVIDERS, withStepProvider } from "./providers.js";
export type { ProviderAction, ProviderCall, ProviderResult, StepProvider, StepProviderRegistry } from "./providers.js";
export { BUILTIN_STEP_PROVIDERS, builtinStepProviders, TaskInputError } from "./provider-actions.js";
