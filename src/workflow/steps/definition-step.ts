import { builtinStepProviders } from "../cue/provider-actions.js";
import type { StepProviderRegistry } from "../cue/providers.js";
import { runCueStep } from "../cue/runtime.js";
import type { StepRunner } from "../types.js";
import { actionsRunner } from "./actions.js";

/**
 * Runs a user WorkflowStepDefinition: one written in CUE on the CUE step runtime (its tasks over
 * `providers`), one written with `actions` on the actions runner. Used as the registry's fallback.
 */
export function definitionStepRunner(providers: StepProviderRegistry): StepRunner {
  return {
    type: "*",
    async run(step, ctx) {
      const source = ctx.cueStep?.(step.type, ctx.parameter, ctx.context);
      if (source === undefined) return actionsRunner.run(step, ctx);
      return runCueStep(source, ctx, providers);
    },
  };
}

/** The packages vela-ts ships, compiled once on first use. */
export const DEFAULT_STEP_PROVIDERS: StepProviderRegistry = builtinStepProviders();

/** {@link definitionStepRunner} over the packages vela-ts ships. */
export const definitionRunner: StepRunner = definitionStepRunner(DEFAULT_STEP_PROVIDERS);
