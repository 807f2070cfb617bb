/**
 * Partition-style releases (ROLLOUT-SEMANTICS §1.10; `openkruise/rollouts`
 * `pkg/controller/batchrelease/control/partitionstyle/{cloneset,statefulset,deployment}`): no extra
 * workload. The webhook sets "update nothing yet" (CloneSet `updateStrategy.partition: "100%"`,
 * StatefulSet `rollingUpdate.partition: 32767`; a Deployment stays paused with a
 * `rollouts.kruise.io/deployment-strategy` annotation of partition 0) and each step lets
 * `ceil(p × replicas / 100)` pods (or the int) run the new version: the CloneSet/StatefulSet
 * partition is lowered to `replicas − updated`, the Deployment's annotation partition raised to
 * `updated` (the rollouts project's Deployment controller, `advanced-deployment.ts`, rolls pods up
 * to it). Never the other way. CloneSet/StatefulSet finalising sets the partition back to null/0;
 * a Deployment is finalised like a canary-style one (traffic first, then unpause), the native
 * controller finishing the rolling update. Traffic routing is simulated for Deployments (the
 * canary Service selects the new ReplicaSet's pods; before a step that updates every pod, the
 * stable Service's selector is restored so it never has no endpoints, ingress-nginx#9635);
 * CloneSet/StatefulSet steps pass traffic routing at once.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import type { JsonObject } from "../../../../util/index.js";
import { numberAt, objectAt, stringAt, valueAt } from "../common/fields.js";
import { controllerRevision } from "../common/revisions.js";

import { podTemplateHash, POD_TEMPLATE_HASH_LABEL } from "../common/pods.js";
import { DEPLOYMENT_STRATEGY_ANNOTATION, IN_PROGRESSING_ANNOTATION, STABLE_REVISION_LABEL } from "./api.js";
import { partitionLimit, readPartitionStrategy } from "./advanced-deployment.js";
import { runCanary } from "./canary-steps.js";
import { refIn, replicaSetsOf, type RolloutContext, type WorkloadInfo } from "./context.js";
import { stepCanaryReplicas } from "./replicas.js";
import { restoreStableService } from "./traffic-routing.js";

/** StatefulSet partition meaning "update no pod" (MaxInt16, as upstream). */
export const STATEFULSET_HOLD_PARTITION = 32767;

/** The current partition of a CloneSet or StatefulSet as a pod count. */
export function currentPartition(workload: KubeObject, replicas: number): number {
  const value =
    workload.kind === "StatefulSet"
      ? valueAt(workload, ["spec", "updateStrategy", "rollingUpdate", "partition"])
      : valueAt(workload, ["spec", "updateStrategy", "partition"]);
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.endsWith("%"))
    return Math.floor((Number(value.slice(0, -1)) * replicas) / 100);
  return 0;
}

function partitionPatch(workload: KubeObject, partition: number | null): JsonObject {
  return workload.kind === "StatefulSet"
    ? { spec: { updateStrategy: { rollingUpdate: { partition: partition ?? 0 } } } }
    : { spec: { updateStrategy: { partition } } };
}

/** Facts about a CloneSet or StatefulSet under a Rollout. */
export function describePartitionWorkload(workload: KubeObject): WorkloadInfo {
  const canaryRevision = controllerRevision(workload);
  const stableRevision =
    workload.metadata.labels?.[STABLE_REVISION_LABEL] ?? stringAt(workload, ["status", "currentRevision"]) ?? "";
  const inProgressing = workload.metadata.annotations?.[IN_PROGRESSING_ANNOTATION] !== undefined;
  return {
    object: workload,
    stableRevision,
    canaryRevision,
    inProgressing,
    isInRollback: inProgressing && stableRevision !== "" && stableRevision === canaryRevision,
    statusConsistent:
      (workload.metadata.generation ?? 1) === (numberAt(workload, ["status", "observedGeneration"]) ?? 0),
    replicas: Math.max(0, numberAt(workload, ["spec", "replicas"]) ?? 1),
  };
}

function updatedReady(workload: KubeObject): number {
  return workload.kind === "StatefulSet"
    ? (numberAt(workload, ["status", "updatedReadyReplicas"]) ?? numberAt(workload, ["status", "updatedReplicas"]) ?? 0)
    : (numberAt(workload, ["status", "updatedReadyReplicas"]) ?? 0);
}

function upgradePartition(ctx: RolloutContext, stepIndex: number): boolean {
  const step = ctx.plan.steps[stepIndex - 1];
  const workload = ctx.workload.object;
  if (step === undefined) return false;
  const replicas = ctx.workload.replicas;
  const updated = stepCanaryReplicas(step, replicas) ?? 0;
  const desired = replicas - updated;
  if (desired < currentPartition(workload, replicas)) {
    ctx.changes.push({
      op: "patch",
      ref: refIn(ctx.namespace, workload.apiVersion, workload.kind, workload.metadata.name ?? ""),
      body: { type: "merge", patch: partitionPatch(workload, desired) },
    });
    return false;
  }
  if (ctx.status.canaryStatus !== undefined) ctx.status.canaryStatus.podTemplateHash = ctx.workload.canaryRevision;
  return ctx.workload.statusConsistent && updatedReady(workload) >= updated;
}

function refreshPartitionCounts(ctx: RolloutContext): void {
  const canary = ctx.status.canaryStatus;
  if (canary === undefined) return;
  canary.canaryReplicas = numberAt(ctx.workload.object, ["status", "updatedReplicas"]) ?? 0;
  canary.canaryReadyReplicas = updatedReady(ctx.workload.object);
}

/** The new ReplicaSet of a partition-style Deployment (its current template's). */
function newReplicaSetOf(ctx: RolloutContext): KubeObject | undefined {
  const hash = podTemplateHash(objectAt(ctx.workload.object, ["spec", "template"]));
  return replicaSetsOf(ctx.view, ctx.workload.object).find(
    (rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash && rs.metadata.deletionTimestamp === undefined,
  );
}

function upgradeDeploymentPartition(ctx: RolloutContext, stepIndex: number): boolean {
  const step = ctx.plan.steps[stepIndex - 1];
  const deployment = ctx.workload.object;
  const strategy = readPartitionStrategy(deployment);
  if (step === undefined || strategy === undefined) return false;
  const replicas = ctx.workload.replicas;
  const updated = stepCanaryReplicas(step, replicas) ?? 0;
  const routing = ctx.plan.trafficRouting;
  // A step that updates every pod would leave the pinned stable Service without endpoints.
  if (routing !== undefined && updated >= replicas && restoreStableService(ctx, routing) === "changed") return false;
  if (updated > partitionLimit(strategy.partition, replicas)) {
    const next = {
      rollingStyle: strategy.rollingStyle,
      rollingUpdate: { maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable },
      partition: updated,
      paused: strategy.paused,
    };
    ctx.changes.push({
      op: "patch",
      ref: refIn(ctx.namespace, deployment.apiVersion, deployment.kind, deployment.metadata.name ?? ""),
      body: {
        type: "merge",
        patch: { metadata: { annotations: { [DEPLOYMENT_STRATEGY_ANNOTATION]: JSON.stringify(next) } } },
      },
    });
    return false;
  }
  const newRS = newReplicaSetOf(ctx);
  if (ctx.status.canaryStatus !== undefined) ctx.status.canaryStatus.podTemplateHash = ctx.workload.canaryRevision;
  return (
    ctx.workload.statusConsistent &&
    newRS !== undefined &&
    (numberAt(newRS, ["spec", "replicas"]) ?? 0) >= updated &&
    (numberAt(newRS, ["status", "availableReplicas"]) ?? 0) >= updated
  );
}

function refreshDeploymentCounts(ctx: RolloutContext): void {
  const canary = ctx.status.canaryStatus;
  if (canary === undefined) return;
  const newRS = newReplicaSetOf(ctx);
  canary.canaryReplicas = newRS === undefined ? 0 : (numberAt(newRS, ["status", "replicas"]) ?? 0);
  canary.canaryReadyReplicas = newRS === undefined ? 0 : (numberAt(newRS, ["status", "availableReplicas"]) ?? 0);
}

/**
 * Continuous release of a partition-style Deployment: the new template starts again from no
 * updated pod (partition 0). True once nothing is left to do (also for other workloads).
 */
export function resetDeploymentPartition(ctx: RolloutContext): boolean {
  const deployment = ctx.workload.object;
  const strategy = deployment.kind === "Deployment" ? readPartitionStrategy(deployment) : undefined;
  if (strategy === undefined || partitionLimit(strategy.partition, ctx.workload.replicas) === 0) return true;
  const next = {
    rollingStyle: strategy.rollingStyle,
    rollingUpdate: { maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable },
    partition: 0,
    paused: strategy.paused,
  };
  ctx.changes.push({
    op: "patch",
    ref: refIn(ctx.namespace, deployment.apiVersion, deployment.kind, deployment.metadata.name ?? ""),
    body: {
      type: "merge",
      patch: { metadata: { annotations: { [DEPLOYMENT_STRATEGY_ANNOTATION]: JSON.stringify(next) } } },
    },
  });
  return false;
}

/** The step machine with partition upgrades (traffic routing only for Deployments). */
export function runPartitionSteps(ctx: RolloutContext): void {
  if (ctx.workload.object.kind === "Deployment") {
    runCanary(ctx, upgradeDeploymentPartition, refreshDeploymentCounts);
    return;
  }
  runCanary({ ...ctx, plan: { ...ctx.plan, trafficRouting: undefined } }, upgradePartition, refreshPartitionCounts);
}

/** Finalising/cancel for partition style: release the partition and the in-progress annotation; on success wait for all pods. */
export function runPartitionCleanup(ctx: RolloutContext, waitForAll: boolean): boolean {
  const workload = ctx.workload.object;
  const held =
    objectAt(workload, ["spec", "updateStrategy"]) !== undefined &&
    currentPartition(workload, ctx.workload.replicas) > 0;
  if (held || workload.metadata.annotations?.[IN_PROGRESSING_ANNOTATION] !== undefined) {
    ctx.changes.push({
      op: "patch",
      ref: refIn(ctx.namespace, workload.apiVersion, workload.kind, workload.metadata.name ?? ""),
      body: {
        type: "merge",
        patch: { metadata: { annotations: { [IN_PROGRESSING_ANNOTATION]: null } }, ...partitionPatch(workload, null) },
      },
    });
    return false;
  }
  if (ctx.status.canaryStatus !== undefined) ctx.status.canaryStatus.finalisingStep = "END";
  return (
    !waitForAll ||
    (ctx.workload.statusConsistent &&
      (numberAt(workload, ["status", "updatedReplicas"]) ?? 0) === ctx.workload.replicas &&
      updatedReady(workload) === ctx.workload.replicas)
  );
}
