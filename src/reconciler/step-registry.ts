import type { DefinitionRegistry } from "../definitions/index.js";
import {
  aliasStepRunner,
  builtinStepRegistry,
  withStepRunners,
  type StepRegistry,
  type StepRunner,
  type WorkflowSpec,
} from "../workflow/index.js";

function stepTypes(spec: WorkflowSpec): string[] {
  return (spec.steps ?? []).flatMap((step) => [step.type, ...(step.subSteps ?? []).map((sub) => sub.type)]);
}

/**
 * The runners of one run: the built-in ones and the controller's (`extra`), plus — for a
 * WorkflowStepDefinition whose `builtin` names a runner under another name — that runner under the
 * definition's name. Every other type goes to the actions runner, which renders the definition's
 * `actions` (KubeVela kubevela/workflow pkg/tasks/discover.go: built-ins first, then definitions).
 */
export function stepRegistryFor(
  spec: WorkflowSpec,
  definitions: DefinitionRegistry,
  extra: readonly StepRunner[],
): StepRegistry {
  const base = builtinStepRegistry(extra);
  const aliases: StepRunner[] = [];
  for (const type of new Set(stepTypes(spec))) {
    if (base.runners.has(type)) continue;
    const builtin = definitions.findWorkflowStep(type)?.builtin;
    const runner = builtin === undefined ? undefined : base.runners.get(builtin);
    if (runner !== undefined) aliases.push(aliasStepRunner(type, runner));
  }
  return aliases.length === 0 ? base : withStepRunners(base, aliases);
}
