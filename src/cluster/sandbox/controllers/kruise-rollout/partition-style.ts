/**
 * Partition-style releases (ROLLOUT-SEMANTICS §1.10; `openkruise/rollouts`
 * `pkg/controller/batchrelease/control/partitionstyle/{cloneset,statefulset}`): no extra workload;
 * the webhook sets "update nothing yet" (CloneSet `updateStrategy.partition: "100%"`,
 * StatefulSet `rollingUpdate.partition: 32767`) and each step lowers the partition to
 * `replicas − ceil(p × replicas / 100)` (never raises it). Finalising sets the partition back to
 * null/0 so everything updates. Traffic routing is not simulated for partition style: its steps
 * pass traffic routing at once.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import type { JsonObject } from "../../../../util/index.js";
import { numberAt, objectAt, valueAt } from "../common/fields.js";
import { controllerRevision } from "../common/revisions.js";
import { IN_PROGRESSING_ANNOTATION, STABLE_REVISION_LABEL } from "./api.js";
import { runCanary } from "./canary-steps.js";
import { refIn, type RolloutContext, type WorkloadInfo } from "./context.js";
import { stepCanaryReplicas } from "./replicas.js";

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
  const currentRevision = valueAt(workload, ["status", "currentRevision"]);
  const stableRevision =
    workload.metadata.labels?.[STABLE_REVISION_LABEL] ?? (typeof currentRevision === "string" ? currentRevision : "");
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

/** The step machine with partition upgrades and no traffic routing. */
export function runPartitionSteps(ctx: RolloutContext): void {
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
