import type { Cluster } from "../cluster/cluster.js";
import { DISPATCH_STAGES, type DefinitionRegistry, type DispatchStage } from "../definitions/index.js";
import { refOf, type KubeObject } from "../model/kube-object.js";
import type { ComponentManifest, TraitManifest } from "../render/index.js";
import { inspectComponent } from "./component-runtime.js";

/**
 * Multi-stage dispatch of a component (KubeVela's `MultiStageComponentApply`): the objects of
 * `PreDispatch` traits are applied first, and the workload and `DefaultDispatch` traits only once
 * every PreDispatch trait's objects exist and its health policy holds; `PostDispatch` traits only
 * once the workload and the default traits are healthy. A stage that is not there yet ends the
 * dispatch for this pass: the step waits and the next pass starts again from the first stage, so a
 * process killed between two stages converges and never writes a later stage before an earlier one.
 */

/** The objects of one stage of a component, in apply order. */
export interface StagePlan {
  readonly stage: DispatchStage;
  /** The traits dispatched at this stage (in trait order). */
  readonly traits: readonly TraitManifest[];
  readonly objects: readonly KubeObject[];
}

/** A trait type's stage in `registry` (`DefaultDispatch` for a type it does not define). */
export function traitStageOf(registry: DefinitionRegistry, type: string): DispatchStage {
  return registry.findTrait(type)?.stage ?? "DefaultDispatch";
}

/**
 * Splits the objects a component applies into its stages, in dispatch order. A trait output goes
 * with its trait's stage, everything else (workload, the component's outputs, its component
 * revision) with `DefaultDispatch`, which is always present; the other stages only when they have traits.
 */
export function planDispatchStages(
  manifest: ComponentManifest,
  objects: readonly KubeObject[],
  stageOf: (traitType: string) => DispatchStage,
): StagePlan[] {
  const stageOfObject = new Map<KubeObject, DispatchStage>();
  const traitsByStage = new Map<DispatchStage, TraitManifest[]>();
  for (const trait of manifest.traits) {
    const stage = stageOf(trait.type);
    traitsByStage.set(stage, [...(traitsByStage.get(stage) ?? []), trait]);
    for (const output of trait.outputs) stageOfObject.set(output.object, stage);
  }
  return DISPATCH_STAGES.flatMap((stage) => {
    const traits = traitsByStage.get(stage) ?? [];
    if (stage !== "DefaultDispatch" && traits.length === 0) return [];
    const staged = objects.filter((object) => (stageOfObject.get(object) ?? "DefaultDispatch") === stage);
    return [{ stage, traits, objects: staged }];
  });
}

/** True when some trait of the component is dispatched outside the default stage. */
export function hasDispatchStages(plans: readonly StagePlan[]): boolean {
  return plans.some((plan) => plan.stage !== "DefaultDispatch");
}

/**
 * Why the stage `plan` does not let the next one go yet (undefined when it does): an object of the
 * stage missing from the cluster, or a trait of the stage (for `DefaultDispatch`, also the workload)
 * whose health policy does not hold against the live objects.
 */
export async function stageNotReady(
  cluster: Cluster,
  manifest: ComponentManifest,
  plan: StagePlan,
  registry: DefinitionRegistry,
): Promise<string | undefined> {
  for (const object of plan.objects)
    if ((await cluster.get(refOf(object))) === undefined)
      return `${plan.stage}: waiting for ${object.kind}/${object.metadata.name ?? ""} to exist`;
  const { health } = await inspectComponent(cluster, manifest, registry);
  const judged = manifest.traits.filter((trait) => registry.findTrait(trait.type) !== undefined);
  const waiting: string[] = [];
  if (plan.stage === "DefaultDispatch" && !health.workloadHealthy)
    waiting.push(`workload: ${health.message ?? "not ready"}`);
  judged.forEach((trait, index) => {
    const traitHealth = health.traits[index];
    if (traitHealth === undefined || traitHealth.healthy || !plan.traits.includes(trait)) return;
    waiting.push(`${trait.type}: ${traitHealth.message ?? "not ready"}`);
  });
  if (waiting.length === 0) return undefined;
  const next = DISPATCH_STAGES[DISPATCH_STAGES.indexOf(plan.stage) + 1] ?? "";
  return `waiting for the ${plan.stage} stage to be healthy before ${next} (${waiting.join("; ")})`;
}

/** What {@link dispatchInStages} did. */
export interface StagedDispatch {
  /** Objects that changed (their resourceVersion moved). */
  readonly changed: number;
  /** Set when a stage was not ready: why, and the later stages were not applied this pass. */
  readonly waiting?: string;
}

/**
 * Applies a component's objects stage by stage with `apply` (which writes the objects it is given
 * and returns how many changed), checking each stage before the next. A component without staged
 * traits is applied in one call, as before.
 */
export async function dispatchInStages(
  cluster: Cluster,
  manifest: ComponentManifest,
  objects: readonly KubeObject[],
  registry: DefinitionRegistry,
  apply: (objects: readonly KubeObject[]) => Promise<number>,
): Promise<StagedDispatch> {
  const plans = planDispatchStages(manifest, objects, (type) => traitStageOf(registry, type));
  if (!hasDispatchStages(plans)) return { changed: await apply(objects) };
  let changed = 0;
  for (const [index, plan] of plans.entries()) {
    changed += await apply(plan.objects);
    if (index === plans.length - 1) break;
    const waiting = await stageNotReady(cluster, manifest, plan, registry);
    if (waiting !== undefined) return { changed, waiting };
  }
  return { changed };
}
