import { applyComponentRunner } from "./steps/apply-component.js";
import { definitionRunner } from "./steps/definition-step.js";
import { deployRunner } from "./steps/deploy.js";
import { notificationRunner } from "./steps/notification.js";
import { stepGroupRunner } from "./steps/step-group.js";
import { suspendRunner } from "./steps/suspend.js";
import type { StepRunner } from "./types.js";

/**
 * Step types → runners (kubevela/workflow pkg/tasks/discover.go: built-ins first, then custom
 * definitions). A type with no runner of its own goes to `fallback` (the `actions` runner, which
 * renders the user's WorkflowStepDefinition); without a fallback it is an unknown type.
 */
export interface StepRegistry {
  readonly runners: ReadonlyMap<string, StepRunner>;
  readonly fallback?: StepRunner;
}

/** Options of {@link createStepRegistry}. */
export interface StepRegistryOptions {
  /** Runs every type without a runner of its own. @default none */
  readonly fallback?: StepRunner;
}

/** A registry of the given runners; a later runner for the same type replaces an earlier one. */
export function createStepRegistry(runners: readonly StepRunner[], options: StepRegistryOptions = {}): StepRegistry {
  return {
    runners: new Map(runners.map((runner) => [runner.type, runner])),
    ...(options.fallback === undefined ? {} : { fallback: options.fallback }),
  };
}

/**
 * A copy of `registry` with more runners (replacing same-typed ones), e.g. the controller's
 * `canary-rollout` and `canary-rollback`, or a runner under a WorkflowStepDefinition's own name when
 * its `builtin` names another type.
 */
export function withStepRunners(registry: StepRegistry, runners: readonly StepRunner[]): StepRegistry {
  const merged = new Map(registry.runners);
  for (const runner of runners) merged.set(runner.type, runner);
  return { runners: merged, ...(registry.fallback === undefined ? {} : { fallback: registry.fallback }) };
}

/** A runner answering to another type name (a definition whose `builtin` is `target.type`). */
export function aliasStepRunner(type: string, target: StepRunner): StepRunner {
  return { type, run: (step, ctx) => target.run(step, ctx) };
}

/** The runner for a step type: its own, else the fallback, else undefined. `name@vN` versions are ignored. */
export function findStepRunner(registry: StepRegistry, type: string): StepRunner | undefined {
  const bare = type.replace(/@v[\w.-]+$/, "");
  return registry.runners.get(type) ?? registry.runners.get(bare) ?? registry.fallback;
}

/**
 * The step types implemented in TypeScript: `suspend`, `step-group`, `apply-component` (also as
 * `builtin-apply-component`), `deploy`, `notification`. `canary-rollout`/`canary-rollback` are added
 * by the controller with {@link withStepRunners}.
 */
export const BUILTIN_STEP_RUNNERS: readonly StepRunner[] = [
  suspendRunner,
  stepGroupRunner,
  applyComponentRunner,
  aliasStepRunner("builtin-apply-component", applyComponentRunner),
  deployRunner,
  notificationRunner,
];

/**
 * Built-in runners plus `extra` (which win on the same type), falling back to the user definitions'
 * runner (CUE templates on the CUE step runtime, `actions` on the actions runner).
 */
export function builtinStepRegistry(extra: readonly StepRunner[] = []): StepRegistry {
  return createStepRegistry([...BUILTIN_STEP_RUNNERS, ...extra], { fallback: definitionRunner });
}
