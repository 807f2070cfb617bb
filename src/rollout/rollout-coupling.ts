import type { Cluster } from "../cluster/cluster.js";
import { refOf, type KubeObject, type ObjectRef } from "../model/kube-object.js";
import { ANNOTATION_SKIP_RESUME, LABEL_APP_COMPONENT, LABEL_APP_NAME } from "../model/labels.js";
import type { JsonObject } from "../util/index.js";
import { describeRollout, engineOf, kruiseCanaryIngressRef, ROLLOUT_ENGINES } from "./rollout-engines.js";

/**
 * How `vela-ts workflow suspend|resume|rollback` drive the Rollouts an app rendered — OpenKruise
 * Rollouts as KubeVela's `pkg/rollout/rollout.go` does (KUBEVELA-REFERENCE §6.3,
 * ROLLOUT-SEMANTICS §1.7), Argo Rollouts as `kubectl argo rollouts pause|promote|abort` do — plus
 * the two fixes DESIGN §6 asks for: rollback moves traffic back to stable with its first write,
 * and a Kruise Rollout's step state is not left at `StepPaused` (KubeVela #7170). The
 * engine-specific parts are in `rollout-engines.ts`.
 */

/** The Kruise API versions (kept for callers that list Kruise Rollouts only). */
export const KRUISE_ROLLOUT_API_VERSIONS = ["rollouts.kruise.io/v1alpha1", "rollouts.kruise.io/v1beta1"] as const;

/** Whether a Rollout is in the middle of a release (vela-ts acts only on these). */
export function isRolloutProgressing(rollout: KubeObject): boolean {
  return engineOf(rollout).isProgressing(rollout);
}

/** Whether `workflow resume` has something to do on a Rollout: paused, or at a paused step (any step may be approved early). */
export function isRolloutResumable(rollout: KubeObject): boolean {
  const engine = engineOf(rollout);
  return engine.isProgressing(rollout) && (engine.isPaused(rollout) || engine.pausedAtStep(rollout) > 0);
}

/**
 * Whether only a person moves a Rollout on: paused as a whole, or paused at a step that has no
 * duration while rolling (not while cancelling or finalising, which the controller finishes by itself).
 */
export function isRolloutWaitingForApproval(rollout: KubeObject): boolean {
  return engineOf(rollout).isWaitingForApproval(rollout);
}

/** The 1-based step a Rollout waits at, 0 when it does not wait at one. */
export function rolloutPausedAtStep(rollout: KubeObject): number {
  return engineOf(rollout).pausedAtStep(rollout);
}

/** The number of steps of a Rollout. */
export function rolloutStepCount(rollout: KubeObject): number {
  return engineOf(rollout).stepCount(rollout);
}

/** Every Rollout (Kruise and Argo) an Application rendered, found by the OAM label. */
export async function findAppRollouts(cluster: Cluster, appName: string, namespace?: string): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  const options = {
    labelSelector: `${LABEL_APP_NAME}=${appName}`,
    ...(namespace === undefined ? {} : { namespace }),
  };
  for (const engine of ROLLOUT_ENGINES) found.push(...(await cluster.list(engine.apiVersion, "Rollout", options)));
  return found.filter((rollout) => rollout.metadata.annotations?.[ANNOTATION_SKIP_RESUME] !== "true");
}

/** `workflow suspend`: pause every progressing Rollout. Returns messages. */
export async function suspendRollouts(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    const engine = engineOf(rollout);
    if (!engine.isProgressing(rollout) || engine.isPaused(rollout)) continue;
    await cluster.patch(refOf(rollout), engine.pausePatch(true));
    messages.push(`${describeRollout(rollout)} suspended.`);
  }
  return messages;
}

/**
 * Unpauses every Rollout paused as a whole (by `workflow suspend` or `terminate`): on `workflow
 * resume` of a suspended run and on `workflow restart`. Returns messages.
 */
export async function unpauseRollouts(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    const engine = engineOf(rollout);
    if (!engine.isPaused(rollout)) continue;
    await cluster.patch(refOf(rollout), engine.pausePatch(false));
    messages.push(`${describeRollout(rollout)} resumed.`);
  }
  return messages;
}

/**
 * `workflow resume`: unpause paused Rollouts and move on a step waiting for approval — the status
 * patch `currentStepState: StepPaused → StepReady` that `kubectl-kruise rollout approve` sends, or
 * the cleared pause conditions of `kubectl argo rollouts promote`.
 */
export async function resumeRollouts(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    if (!isRolloutResumable(rollout)) continue;
    const engine = engineOf(rollout);
    if (engine.isPaused(rollout)) await cluster.patch(refOf(rollout), engine.pausePatch(false));
    await engine.approve(cluster, rollout);
    messages.push(`${describeRollout(rollout)} resumed.`);
  }
  return messages;
}

/** The canary Ingress Kruise created for a Rollout with an ingress traffic routing (`<ingress>-canary`). */
export function canaryIngressRef(rollout: KubeObject): ObjectRef | undefined {
  return engineOf(rollout).name === "kruise" ? kruiseCanaryIngressRef(rollout) : undefined;
}

/**
 * First half of a rollback's cancel (ROLLOUT-SEMANTICS §1.7, §4): every Rollout's canary route
 * goes first — a single write puts 100% of traffic on the stable pods (Kruise: the canary Ingress
 * deleted; Argo: the canary weight set to 0, then `status.abort`) — then paused Rollouts are
 * unpaused so their controllers can finish the cancel once the workload template is restored
 * (stable pods are never restarted: their template is the one being restored).
 */
export async function cancelRolloutTraffic(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<string[]> {
  const messages: string[] = [];
  for (const rollout of rollouts) {
    if (!isRolloutProgressing(rollout)) continue;
    messages.push(...(await engineOf(rollout).cancelTraffic(cluster, rollout)));
  }
  for (const rollout of rollouts) {
    const engine = engineOf(rollout);
    if (engine.isPaused(rollout)) await cluster.patch(refOf(rollout), engine.pausePatch(false));
    if (engine.isProgressing(rollout)) messages.push(`${describeRollout(rollout)} rollback.`);
  }
  return messages;
}

/**
 * After the cancel finished: a Rollout that is no longer progressing but still reports a step
 * state waiting for approval gets it reset (KubeVela leaves Kruise's at `StepPaused`, #7170).
 */
export async function resetStaleRolloutSteps(cluster: Cluster, rollouts: readonly KubeObject[]): Promise<number> {
  let reset = 0;
  for (const rollout of rollouts) {
    const live = await cluster.get(refOf(rollout));
    if (live !== undefined && (await engineOf(live).resetStale(cluster, live))) reset++;
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
  // Argo Rollouts needs nothing: a template that matches the stable ReplicaSet skips every step.
  for (const rollout of rollouts.filter((candidate) => engineOf(candidate).name === "kruise")) {
    await cluster.patch(refOf(rollout), {
      type: "merge",
      patch: { metadata: { annotations: { [ANNOTATION_FAST_ROLLBACK]: revision } }, spec: { disabled: true } },
    });
    messages.push(
      `${describeRollout(rollout)}: no release in flight, so ${revision} goes straight back (no canary steps); ` +
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
