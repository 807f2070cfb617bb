/**
 * Step arithmetic of the canary strategy (`utils/replicaset/canary.go` `GetCurrentCanaryStep`,
 * `GetCurrentSetWeight`, `UseSetCanaryScale`, `GetCanaryReplicasOrWeight`,
 * `CalculateReplicaCountsForCanary`; `utils/conditions` `ComputeStepHash`).
 * `status.currentStepIndex` is 0-based; equal to the step count once every step is done.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { objectAt } from "../common/fields.js";
import { scaledValue } from "../common/int-or-percent.js";
import { safeEncodedHash } from "../common/names.js";
import type { ArgoPlan, ArgoStep } from "./api.js";

/** `ComputeStepHash`: a hash of the steps as written (any edit restarts the steps). */
export function stepHash(rollout: KubeObject): string {
  return safeEncodedHash(objectAt(rollout, ["spec", "strategy", "canary"])?.steps ?? []);
}

/** The step at `index`, or undefined past the last one. */
export function stepAt(plan: ArgoPlan, index: number | undefined): ArgoStep | undefined {
  return index === undefined ? undefined : plan.steps[index];
}

/** `GetCurrentSetWeight`: the last setWeight at or before the current step (100 once past the steps, 0 when aborted). */
export function currentSetWeight(plan: ArgoPlan, index: number | undefined, aborted: boolean): number {
  if (aborted) return 0;
  if (index === undefined || index >= plan.steps.length) return 100;
  for (let i = index; i >= 0; i--) {
    const step = plan.steps[i];
    if (step?.kind === "setWeight") return step.weight;
  }
  return 0;
}

/** The setWeight before the current step (what traffic keeps while the canary scales up). */
export function previousSetWeight(plan: ArgoPlan, index: number): number {
  for (let i = index - 1; i >= 0; i--) {
    const step = plan.steps[i];
    if (step?.kind === "setWeight") return step.weight;
  }
  return 0;
}

/** `UseSetCanaryScale`: the setCanaryScale in force at the current step (traffic routing only). */
export function currentCanaryScale(
  plan: ArgoPlan,
  index: number | undefined,
  trafficRouted: boolean,
): Extract<ArgoStep, { kind: "setCanaryScale" }> | undefined {
  if (!trafficRouted || index === undefined || index >= plan.steps.length) return undefined;
  for (let i = index; i >= 0; i--) {
    const step = plan.steps[i];
    if (step?.kind !== "setCanaryScale") continue;
    return step.matchTrafficWeight ? undefined : step;
  }
  return undefined;
}

/** What decides the replica counts: a fixed canary count, or a weight. */
export interface CanaryScale {
  readonly replicas: number | undefined;
  readonly weight: number;
}

/** `GetCanaryReplicasOrWeight`. */
export function canaryReplicasOrWeight(
  plan: ArgoPlan,
  index: number | undefined,
  options: {
    readonly promoteFull: boolean;
    readonly fullyPromoted: boolean;
    readonly aborted: boolean;
    readonly trafficRouted: boolean;
  },
): CanaryScale {
  if (options.promoteFull || options.fullyPromoted) return { replicas: undefined, weight: 100 };
  const scale = currentCanaryScale(plan, index, options.trafficRouted);
  if (scale !== undefined && !options.aborted) {
    if (scale.replicas !== undefined) return { replicas: scale.replicas, weight: 0 };
    if (scale.weight !== undefined) return { replicas: undefined, weight: scale.weight };
  }
  return { replicas: undefined, weight: currentSetWeight(plan, index, options.aborted) };
}

/** Desired new and stable counts (`DesiredReplicaCountsForCanary`). */
export function desiredReplicaCounts(
  replicas: number,
  scale: CanaryScale,
  options: { readonly stableExists: boolean; readonly trafficRouted: boolean },
): { readonly canary: number; readonly stable: number } {
  if (!options.stableExists) return { canary: replicas, stable: 0 };
  const canary = scale.replicas ?? Math.ceil((replicas * scale.weight) / 100);
  const stable = scale.replicas !== undefined ? replicas : Math.ceil(replicas * (1 - scale.weight / 100));
  return { canary, stable: options.trafficRouted ? replicas : stable };
}

/** maxSurge / maxUnavailable of the canary strategy resolved against `replicas` (`MaxSurge`, `MaxUnavailable`). */
export function canaryFenceposts(
  plan: ArgoPlan,
  replicas: number,
): { readonly maxSurge: number; readonly maxUnavailable: number } {
  const surge = scaledValue(plan.maxSurge, replicas, true) ?? 1;
  let unavailable = scaledValue(plan.maxUnavailable, replicas, false) ?? 0;
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: Math.min(unavailable, replicas) };
}

/** One ReplicaSet's counts as the basic-canary math sees them. */
export interface RsCounts {
  readonly spec: number;
  readonly available: number;
}

/**
 * `CalculateReplicaCountsForCanary` for a canary without traffic routing: scale up within
 * `replicas + maxSurge` (stable first), then scale down within `replicas − maxUnavailable`
 * available (older ReplicaSets first, then the side that is shrinking). Returns the next counts.
 */
export function basicCanaryCounts(
  plan: ArgoPlan,
  replicas: number,
  scale: CanaryScale,
  sets: {
    readonly canary: RsCounts | undefined;
    readonly stable: RsCounts | undefined;
    readonly others: readonly RsCounts[];
  },
): { readonly canary: number; readonly stable: number } {
  let desiredStable = Math.ceil(replicas * (1 - scale.weight / 100));
  let desiredCanary = Math.ceil((replicas * scale.weight) / 100);
  const stableExists = sets.stable !== undefined;
  let canary = sets.canary?.spec ?? 0;
  let stable = stableExists ? (sets.stable?.spec ?? 0) : 0;
  if (!stableExists) {
    desiredCanary = replicas;
    desiredStable = 0;
  }
  let { maxSurge } = canaryFenceposts(plan, replicas);
  const { maxUnavailable } = canaryFenceposts(plan, replicas);
  if (((replicas * scale.weight) / 100) % 1 !== 0) maxSurge += 1;
  const total = (sets.canary?.spec ?? 0) + (sets.stable?.spec ?? 0) + sets.others.reduce((sum, rs) => sum + rs.spec, 0);
  let scaleUp = replicas + maxSurge - total;
  if (stableExists && stable < desiredStable && scaleUp > 0) {
    const next = Math.min(desiredStable, stable + scaleUp);
    scaleUp -= next - stable;
    stable = next;
  }
  if (sets.canary !== undefined && canary < desiredCanary && scaleUp > 0)
    canary = Math.min(desiredCanary, canary + scaleUp);
  if (sets.others.some((rs) => rs.spec > 0)) return { canary, stable };
  const minAvailable = replicas - maxUnavailable;
  const increasing = sets.canary === undefined || desiredCanary >= sets.canary.spec;
  const forScaleDown = (rs: RsCounts | undefined, ignoreAvailability: boolean): number =>
    rs === undefined ? 0 : rs.spec < rs.available || ignoreAvailability ? rs.spec : rs.available;
  const available = forScaleDown(sets.canary, !increasing) + forScaleDown(sets.stable, increasing);
  if (available <= minAvailable) return { canary, stable };
  let scaleDown = available - minAvailable;
  if (sets.canary !== undefined && sets.canary.spec > desiredCanary) {
    const next = Math.max(desiredCanary, sets.canary.spec - scaleDown);
    scaleDown -= sets.canary.spec - next;
    canary = next;
  }
  if (stableExists && (sets.stable?.spec ?? 0) > desiredStable)
    stable = Math.max(desiredStable, (sets.stable?.spec ?? 0) - scaleDown);
  return { canary, stable };
}
