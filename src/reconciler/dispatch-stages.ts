import type { Cluster } from "../cluster/cluster.js";
import { DISPATCH_STAGES, type DefinitionRegistry, type DispatchStage } from "../definitions/index.js";
import { refOf, type KubeObject } from "../model/kube-object.js";
import type { ComponentManifest, TraitManifest } from "../render/index.js";
import { hasPendingFastTrack } from "../rollout/rollout-coupling.js";
import { isJsonObject, toJsonValue, type JsonValue } from "../util/index.js";
import { inspectComponent, objectsToApply } from "./component-runtime.js";

/**
 * Multi-stage dispatch of a component (KubeVela's `MultiStageComponentApply`): the objects of
 * `PreDispatch` traits are applied first, and the workload and `DefaultDispatch` traits only once
 * every PreDispatch trait's objects exist and are healthy or observed by their controller
 * ({@link stageNotReady}); `PostDispatch` traits only once the workload and the default traits are healthy. A stage that is not there yet ends the
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
 * Why the stage `plan` does not let the next one go yet (undefined when it does).
 *
 * After `DefaultDispatch`: the workload and the default traits must be healthy (KubeVela applies
 * PostDispatch traits once the workload is). After `PreDispatch`: every object of the stage must
 * exist, and each trait must be healthy or have been observed by its controller (one of its
 * objects with a `status` written for the current `metadata.generation`). KubeVela waits for health there; a trait that
 * watches the workload (a Kruise Rollout) cannot be healthy before the workload exists ("Workload
 * Not Found") nor while it releases it, so health alone would never let a first deploy, or a new
 * release during a paused canary, reach the workload. What the order must guarantee is that the
 * trait's controller knows the object before the workload changes, and an observed status says so.
 */
export async function stageNotReady(
  cluster: Cluster,
  manifest: ComponentManifest,
  plan: StagePlan,
  registry: DefinitionRegistry,
): Promise<string | undefined> {
  const live = new Map<KubeObject, KubeObject>();
  for (const object of plan.objects) {
    const found = await cluster.get(refOf(object));
    if (found === undefined) return `${plan.stage}: waiting for ${object.kind}/${object.metadata.name ?? ""} to exist`;
    live.set(object, found);
  }
  const { health } = await inspectComponent(cluster, manifest, registry);
  const judged = manifest.traits.filter((trait) => registry.findTrait(trait.type) !== undefined);
  const waiting: string[] = [];
  if (plan.stage === "DefaultDispatch" && !health.workloadHealthy)
    waiting.push(`workload: ${health.message ?? "not ready"}`);
  judged.forEach((trait, index) => {
    const traitHealth = health.traits[index];
    if (traitHealth === undefined || traitHealth.healthy || !plan.traits.includes(trait)) return;
    const objects = trait.outputs.map((output) => live.get(output.object));
    // One observed object is the trait's controller having seen it (a Rollout); the others (a
    // canary Service) may have no controller writing a status at all.
    if (plan.stage === "PreDispatch" && objects.some((object) => object !== undefined && letsWorkloadGo(object)))
      return;
    waiting.push(`${trait.type}: ${traitHealth.message ?? "not ready"}`);
  });
  if (waiting.length === 0) return undefined;
  const next = DISPATCH_STAGES[DISPATCH_STAGES.indexOf(plan.stage) + 1] ?? "";
  return `waiting for the ${plan.stage} stage before ${next} (${waiting.join("; ")})`;
}

/**
 * Whether a PreDispatch object lets the workload change: its controller has seen it, or it is a
 * Rollout vela-ts disabled for a rollback that goes straight back (its controller leaves the
 * workload alone by design, and waiting for it to observe the disabling would let the rollback's
 * end re-enable it before the workload moved).
 */
function letsWorkloadGo(object: KubeObject): boolean {
  return isObserved(object) || hasPendingFastTrack(object);
}

/** Whether a live object's controller has written its status for the current spec. */
function isObserved(object: KubeObject): boolean {
  if (!isJsonObject(object.status) || Object.keys(object.status).length === 0) return false;
  // Argo Rollouts writes the generation it saw as a string.
  const raw = object.status.observedGeneration;
  const observed = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  const generation = object.metadata.generation;
  return typeof observed !== "number" || typeof generation !== "number" || observed >= generation;
}

/** What {@link dispatchInStages} did. */
export interface StagedDispatch {
  /** Objects that changed (their resourceVersion moved). */
  readonly changed: number;
  /** Set when a stage was not ready: why, and the later stages were not applied this pass. */
  readonly waiting?: string;
}

/** How {@link dispatchInStages} writes and renders. */
export interface StagedDispatchHooks {
  /** Writes `objects` of `manifest` (one stage); returns how many changed. */
  readonly apply: (objects: readonly KubeObject[], manifest: ComponentManifest) => Promise<number>;
  /**
   * The component rendered again with its workload's live `status` (what PostDispatch traits see as
   * `context.output.status`); undefined when it cannot be (the stage then applies the objects as first rendered).
   */
  readonly renderWithStatus?: (status: JsonValue) => Promise<ComponentManifest | undefined>;
}

/**
 * Applies a component's objects stage by stage, checking each stage before the next. The
 * PostDispatch stage is rendered again from the live workload first (`renderWithStatus`). A
 * component without staged traits is applied in one call, as before.
 */
export async function dispatchInStages(
  cluster: Cluster,
  manifest: ComponentManifest,
  objects: readonly KubeObject[],
  registry: DefinitionRegistry,
  hooks: StagedDispatchHooks,
): Promise<StagedDispatch> {
  const stageOf = (type: string): DispatchStage => traitStageOf(registry, type);
  const plans = planDispatchStages(manifest, objects, stageOf);
  if (!hasDispatchStages(plans)) return { changed: await hooks.apply(objects, manifest) };
  let changed = 0;
  for (const [index, plan] of plans.entries()) {
    if (plan.stage === "PostDispatch") {
      const post = await postDispatchRendering(cluster, manifest, hooks, stageOf);
      changed += await hooks.apply(post?.objects ?? plan.objects, post?.manifest ?? manifest);
    } else changed += await hooks.apply(plan.objects, manifest);
    if (index === plans.length - 1) break;
    const waiting = await stageNotReady(cluster, manifest, plan, registry);
    if (waiting !== undefined) return { changed, waiting };
  }
  return { changed };
}

/** The PostDispatch objects rendered with the live workload's status (undefined: keep the first rendering). */
async function postDispatchRendering(
  cluster: Cluster,
  manifest: ComponentManifest,
  hooks: StagedDispatchHooks,
  stageOf: (type: string) => DispatchStage,
): Promise<{ readonly manifest: ComponentManifest; readonly objects: readonly KubeObject[] } | undefined> {
  if (hooks.renderWithStatus === undefined || manifest.workload === undefined) return undefined;
  const live = await cluster.get(refOf(manifest.workload));
  if (live?.status === undefined) return undefined;
  const rendered = await hooks.renderWithStatus(toJsonValue(live.status));
  if (rendered === undefined) return undefined;
  const post = planDispatchStages(rendered, objectsToApply(rendered), stageOf).find(
    (plan) => plan.stage === "PostDispatch",
  );
  return post === undefined ? undefined : { manifest: rendered, objects: post.objects };
}
