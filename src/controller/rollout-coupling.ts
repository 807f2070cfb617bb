import type { Cluster } from "../cluster/cluster.js";
import { describeRef, refOf, type KubeObject, type ObjectRef } from "../model/kube-object.js";
import { ANNOTATION_SKIP_RESUME, LABEL_APP_COMPONENT, LABEL_APP_NAME } from "../model/labels.js";
import type { JsonObject } from "../util/index.js";

/**
 * How `vela-ts workflow suspend|resume|rollback` drive OpenKruise Rollouts, as KubeVela's
 * `pkg/rollout/rollout.go` does (KUBEVELA-REFERENCE §6.3, ROLLOUT-SEMANTICS §1.7), plus the two
 * fixes DESIGN §6 asks for: rollback moves traffic back to stable with its first write, and the
 * Rollout's step state is not left at `StepPaused` (KubeVela #7170).
 */

export const KRUISE_ROLLOUT_API_VERSIONS = ["rollouts.kruise.io/v1alpha1", "rollouts.kruise.io/v1beta1"] as const;

function rolloutStatus(rollout: KubeObject): JsonObject {
  return (rollout.status as JsonObject | undefined) ?? {};
}

function canaryStatus(rollout: KubeObject): JsonObject {
  return (rolloutStatus(rollout).canaryStatus as JsonObject | undefined) ?? {};
}

function strategy(rollout: KubeObject): JsonObject {
  return ((rollout.spec as JsonObject | undefined)?.strategy as JsonObject | undefined) ?? {};
}

function describe(rollout: KubeObject): string {
  return `Rollout ${rollout.metadata.namespace ?? "default"}/${rollout.metadata.name ?? ""}`;
}

/** Whether a Rollout is in the middle of a release (KubeVela acts only on these). */
export function isRolloutProgressing(rollout: KubeObject): boolean {
  return rolloutStatus(rollout).phase === "Progressing";
}

/** Whether `workflow resume` has something to do on a Rollout: paused, or at a paused step (any step may be approved early). */
export function isRolloutResumable(rollout: KubeObject): boolean {
  return (
    isRolloutProgressing(rollout) &&
    (strategy(rollout).paused === true || canaryStatus(rollout).currentStepState === "StepPaused")
  );
}

function progressingReason(rollout: KubeObject): string | undefined {
  const conditions = rolloutStatus(rollout).conditions;
  if (!Array.isArray(conditions)) return undefined;
  const progressing = conditions.find(
    (condition) =>
      typeof condition === "object" &&
      condition !== null &&
      !Array.isArray(condition) &&
      condition.type === "Progressing",
  ) as JsonObject | undefined;
  return typeof progressing?.reason === "string" ? progressing.reason : undefined;
}

/**
 * Whether only a person moves a Rollout on: paused by `spec.strategy.paused`, or paused at a step
 * that has no `pause.duration` while rolling (not while cancelling or finalising, which the
 * controller finishes by itself).
 */
export function isRolloutWaitingForApproval(rollout: KubeObject): boolean {
  if (!isRolloutProgressing(rollout)) return false;
  if (strategy(rollout).paused === true) return true;
  const status = canaryStatus(rollout);
  if (status.currentStepState !== "StepPaused") return false;
  const reason = progressingReason(rollout);
  if (reason === "Cancelling" || reason === "Finalising" || reason === "Terminating") return false;
  const steps = (strategy(rollout).canary as JsonObject | undefined)?.steps;
  const index = typeof status.currentStepIndex === "number" ? status.currentStepIndex - 1 : -1;
  const step = Array.isArray(steps) ? (steps[index] as JsonObject | undefined) : undefined;
  const pause = step?.pause as JsonObject | undefined;
  return pause?.duration === undefined;
}

/** Every Kruise Rollout an Application rendered (found by the OAM label), oldest API version first. */
export async function findAppRollouts(cluster: Cluster, appName: string, namespace?: string): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  for (const apiVersion of KRUISE_ROLLOUT_API_VERSIONS.slice(0, 1)) {
    const options = {
      labelSelector: `${LABEL_APP_NAME}=${appName}`,
      ...(namespace === undefined ? {} : { namespace }),
    };
    found.push(...(await cluster.list(apiVersion, "Rollout", options)));
  }
  return found.filter((rollout) => rollout.metadata.annotations?.[ANNOTATION_SKIP_RESUME] !== "true");
}

/** `workflow suspend`: pause every progressing Rollout (`spec.strategy.paused: true`). Returns messages. */
export async function suspendRollouts(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    if (!isRolloutProgressing(rollout) || strategy(rollout).paused === true) continue;
    await cluster.patch(refOf(rollout), { type: "merge", patch: { spec: { strategy: { paused: true } } } });
    messages.push(`${describe(rollout)} suspended.`);
  }
  return messages;
}

/** `workflow resume` of a suspended run, `workflow restart`: unpause every paused Rollout (`spec.strategy.paused: false`). */
export async function unpauseRollouts(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    if (strategy(rollout).paused !== true) continue;
    await cluster.patch(refOf(rollout), { type: "merge", patch: { spec: { strategy: { paused: false } } } });
    messages.push(`${describe(rollout)} resumed.`);
  }
  return messages;
}

/**
 * `workflow resume`: unpause paused Rollouts and approve a step waiting for approval — the status
 * patch `currentStepState: StepPaused → StepReady` that `kubectl-kruise rollout approve` sends.
 */
export async function resumeRollouts(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    if (!isRolloutResumable(rollout)) continue;
    const ref = refOf(rollout);
    if (strategy(rollout).paused === true)
      await cluster.patch(ref, { type: "merge", patch: { spec: { strategy: { paused: false } } } });
    if (canaryStatus(rollout).currentStepState === "StepPaused") {
      await cluster.patchStatus(ref, {
        type: "merge",
        patch: { status: { canaryStatus: { currentStepState: "StepReady" } } },
      });
    }
    messages.push(`${describe(rollout)} resumed.`);
  }
  return messages;
}

/** The canary Ingress Kruise created for a Rollout with an ingress traffic routing (`<ingress>-canary`). */
export function canaryIngressRef(rollout: KubeObject): ObjectRef | undefined {
  const canary = strategy(rollout).canary as JsonObject | undefined;
  const routings = canary?.trafficRoutings;
  const first = Array.isArray(routings) ? (routings[0] as JsonObject | undefined) : undefined;
  const ingress = first?.ingress as JsonObject | undefined;
  if (typeof ingress?.name !== "string") return undefined;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    name: `${ingress.name}-canary`,
    ...(rollout.metadata.namespace === undefined ? {} : { namespace: rollout.metadata.namespace }),
  };
}

/**
 * First half of a rollback's cancel, in Kruise v0.6 order (ROLLOUT-SEMANTICS §1.7): the canary
 * route goes first, so a single write puts 100% of traffic on the stable pods; then the Rollout is
 * unpaused so its controller can finish the cancel once the workload template is restored (stable
 * pods are never restarted: their template is the one being restored).
 */
export async function cancelRolloutTraffic(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    if (!isRolloutProgressing(rollout)) continue;
    const canaryIngress = canaryIngressRef(rollout);
    if (canaryIngress !== undefined && (await cluster.delete(canaryIngress))) {
      messages.push(`${describe(rollout)}: canary route ${describeRef(canaryIngress)} removed, all traffic on stable.`);
    }
  }
  for (const rollout of rollouts) {
    if (strategy(rollout).paused === true)
      await cluster.patch(refOf(rollout), { type: "merge", patch: { spec: { strategy: { paused: false } } } });
    if (isRolloutProgressing(rollout)) messages.push(`${describe(rollout)} rollback.`);
  }
  return messages;
}

/**
 * After the cancel finished: a Rollout that is no longer progressing but still reports
 * `currentStepState: StepPaused` gets its step state reset (KubeVela leaves it stuck, #7170).
 */
export async function resetStaleRolloutSteps(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<number> {
  let reset = 0;
  for (const rollout of rollouts) {
    const live = await cluster.get(refOf(rollout));
    if (live === undefined || isRolloutProgressing(live) || canaryStatus(live).currentStepState !== "StepPaused")
      continue;
    await cluster.patchStatus(refOf(live), {
      type: "merge",
      patch: { status: { canaryStatus: { currentStepState: "Completed" } } },
    });
    reset++;
  }
  return reset;
}

/**
 * On a Rollout vela-ts disabled for a rollback that goes straight back (no release was in flight):
 * the revision rolled back to. The Rollout is re-enabled once its workload finished rolling back.
 */
export const ANNOTATION_FAST_ROLLBACK = "app.oam.dev/rollback-fast-track";

/** Whether vela-ts disabled the Rollout for a rollback that has not finished rolling yet. */
export function hasPendingFastTrack(rollout: KubeObject): boolean {
  return rollout.metadata.annotations?.[ANNOTATION_FAST_ROLLBACK] !== undefined;
}

/**
 * A rollback with no release in flight goes straight back (like Argo Rollouts' `rollbackWindow`):
 * each Rollout is disabled (`spec.disabled: true`, which Kruise's webhook honours by leaving the
 * workload's update alone) and marked, so the workload returns to the target revision with its own
 * rolling update, without canary steps or approvals.
 */
export async function fastTrackRollouts(
  cluster: Cluster,
  rollouts: readonly KubeObject[],
  revision: string,
): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    await cluster.patch(refOf(rollout), {
      type: "merge",
      patch: { metadata: { annotations: { [ANNOTATION_FAST_ROLLBACK]: revision } }, spec: { disabled: true } },
    });
    messages.push(
      `${describe(rollout)}: no release in flight, so ${revision} goes straight back (no canary steps); ` +
        "the Rollout is disabled until the workload has rolled back.",
    );
  }
  return messages;
}

function isRolledOut(workload: KubeObject): boolean {
  const spec = (workload.spec as JsonObject | undefined) ?? {};
  const status = (workload.status as JsonObject | undefined) ?? {};
  const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
  const observed = typeof status.observedGeneration === "number" ? status.observedGeneration : 0;
  return (
    observed >= (workload.metadata.generation ?? 1) &&
    status.updatedReplicas === replicas &&
    status.availableReplicas === replicas &&
    (status.replicas ?? replicas) === replicas
  );
}

/**
 * Re-enables the Rollouts {@link fastTrackRollouts} disabled once their workload rolled back:
 * `componentReady(component)` says the component's objects were applied and observed by their
 * controllers (the workload has the target's template), and the workload has finished its rolling
 * update. Returns how many were re-enabled.
 */
export async function finishFastRollbacks(
  cluster: Cluster,
  rollouts: readonly KubeObject[],
  componentReady: (component: string | undefined) => boolean,
): Promise<number> {
  let finished = 0;
  for (const rollout of rollouts) {
    if (!hasPendingFastTrack(rollout) || !componentReady(rollout.metadata.labels?.[LABEL_APP_COMPONENT])) continue;
    const ref = ((rollout.spec as JsonObject | undefined)?.objectRef as JsonObject | undefined)?.workloadRef as
      JsonObject | undefined;
    if (typeof ref?.apiVersion !== "string" || typeof ref.kind !== "string" || typeof ref.name !== "string") continue;
    const workload = await cluster.get({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      name: ref.name,
      ...(rollout.metadata.namespace === undefined ? {} : { namespace: rollout.metadata.namespace }),
    });
    if (workload !== undefined && !isRolledOut(workload)) continue;
    await cluster.patch(refOf(rollout), {
      type: "merge",
      patch: { metadata: { annotations: { [ANNOTATION_FAST_ROLLBACK]: null } }, spec: { disabled: null } },
    });
    finished++;
  }
  return finished;
}
