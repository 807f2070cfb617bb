/**
 * KubeVela v1.1's batch rollout controller for `standard.oam.dev/v1alpha1` Rollouts
 * (`kubevela` `pkg/controller/standard.oam.dev/v1alpha1/rollout/rollout_controller.go`,
 * `pkg/controller/common/rollout/rollout_plan_controller.go` and
 * `workloads/deployment_rollout_controller.go` @v1.1.13). It is KubeVela's own controller, not a
 * simulation of a third party: the same pure reconcile runs wherever vela-ts reconciles.
 *
 * What one Rollout does, pass after pass (each pass makes at most one workload write and one
 * status write, like one upstream reconcile):
 * - **Revisions.** The target is `spec.targetRevisionName`; the source is `spec.sourceRevisionName`,
 *   else the last target (`status.lastTargetRevision`), else none (a first deploy). When the target
 *   differs from `status.lastTargetRevision` the rollout (re)starts at batch 0 and records
 *   `lastTargetRevision` and `LastSourceRevision`. Upstream first finalises a rollout interrupted
 *   mid-flight (`rolloutAbandoning`) and then restarts; here the restart is immediate and the
 *   finalising step of the new rollout removes every older revision's Deployment instead.
 * - **Workloads.** Each component revision has its own Deployment named after it, made from the
 *   ControllerRevision the app recorded ({@link buildRevisionWorkload}).
 * - **Batches.** Batch `i` brings the target to `batchTargets[i]` replicas and the source to
 *   `targetSize − batchTargets[i]`. `IncreaseFirst` scales the target up, waits until that many
 *   target pods are available, then scales the source down; `DecreaseFirst` the other way round.
 *   A finished batch moves on while it is below `batchPartition` (`batchInitializing` →
 *   `batchInRolling` → `batchReady`); at the partition it waits in `batchReady`.
 *   `rolloutPlan.paused` holds the rollout where it is.
 * - **Rollback** is a rollout like any other: putting `targetRevisionName` back to the source
 *   revision makes the old revision the target and the new one the source, so the plan's batches
 *   scale the old Deployment back up (its surviving pods count towards each batch, so none is
 *   restarted) and the new one down, as upstream's restart with swapped revisions does.
 * - **Finalising.** After the last batch every other revision's Deployment this Rollout controls
 *   (the source, already at 0) is deleted; `rollingState: rolloutSucceed`.
 *
 * Status also carries `observedGeneration` (not upstream) so health checks can tell a status that
 * predates the last spec change.
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import { jsonEqual, type JsonObject } from "../../../../util/index.js";
import type {
  ControllerChange,
  ControllerEnv,
  ControllerView,
  KeyedReconciler,
  SimulatedController,
} from "../../controller-contract.js";
import { setCondition, type ConditionInput } from "../common/conditions.js";
import { controlledChildren, reconcileEvery } from "../common/keyed.js";
import {
  BATCH_ROLLOUT_API_VERSION,
  BATCH_ROLLOUT_KIND,
  readBatchRolloutSpec,
  readBatchRolloutStatus,
  type BatchRolloutSpec,
  type BatchRolloutStatus,
} from "./api.js";
import {
  buildRevisionWorkload,
  componentRevisionRef,
  recordedWorkload,
  revisionWorkloadRef,
  workloadReplicas,
} from "./workloads.js";

/** What one pass decided: at most one workload write, the next status and its condition. */
interface PassResult {
  readonly change?: ControllerChange;
  readonly status: BatchRolloutStatus;
  readonly condition: ConditionInput;
}

function rolling(reason: string, message: string): ConditionInput {
  return { type: "Ready", status: "False", reason, message };
}

/** The status to continue from: the saved one, or batch 0 of a new rollout when the target moved. */
function startingStatus(spec: BatchRolloutSpec, saved: Partial<BatchRolloutStatus>): BatchRolloutStatus {
  const target = spec.targetRevisionName;
  if (saved.lastTargetRevision === target && saved.rollingState !== undefined) {
    return {
      rollingState: saved.rollingState,
      batchRollingState: saved.batchRollingState ?? "batchInitializing",
      currentBatch: saved.currentBatch ?? 0,
      rolloutTargetSize: spec.targetSize,
      upgradedReplicas: saved.upgradedReplicas ?? 0,
      upgradedReadyReplicas: saved.upgradedReadyReplicas ?? 0,
      lastTargetRevision: target,
      ...(saved.LastSourceRevision === undefined ? {} : { LastSourceRevision: saved.LastSourceRevision }),
    };
  }
  const source = spec.sourceRevisionName !== "" ? spec.sourceRevisionName : (saved.lastTargetRevision ?? "");
  return {
    rollingState: "rollingInBatches",
    batchRollingState: "batchInitializing",
    currentBatch: 0,
    rolloutTargetSize: spec.targetSize,
    upgradedReplicas: 0,
    upgradedReadyReplicas: 0,
    lastTargetRevision: target,
    ...(source === "" || source === target ? {} : { LastSourceRevision: source }),
  };
}

function scaleTo(deployment: KubeObject, replicas: number): ControllerChange {
  return {
    op: "patch",
    ref: revisionWorkloadRef(deployment.metadata.namespace, deployment.metadata.name ?? ""),
    body: { type: "merge", patch: { spec: { replicas } } },
  };
}

/** Deployments of older revisions this Rollout created, still present. */
function staleWorkloads(view: ControllerView, rollout: KubeObject, target: string): KubeObject[] {
  return controlledChildren(view, rollout, DEPLOYMENT).filter(
    (deployment) => deployment.metadata.name !== target && deployment.metadata.deletionTimestamp === undefined,
  );
}

/** The work of one pass on a Rollout whose plan is valid; pure over the view. */
function progress(
  rollout: KubeObject,
  spec: BatchRolloutSpec,
  start: BatchRolloutStatus,
  view: ControllerView,
): PassResult {
  const namespace = rollout.metadata.namespace;
  const targetName = spec.targetRevisionName;
  const last = spec.batchTargets.length - 1;
  const target = view.get(revisionWorkloadRef(namespace, targetName));
  const counted = (status: BatchRolloutStatus): BatchRolloutStatus => {
    if (target === undefined) return status;
    const replicas = workloadReplicas(target);
    return { ...status, upgradedReplicas: replicas.desired, upgradedReadyReplicas: replicas.available };
  };

  if (start.rollingState === "rolloutSucceed") {
    // Steady state: an older revision left behind (e.g. by a crash mid-finalise) is still removed.
    const stale = staleWorkloads(view, rollout, targetName)[0];
    const done: ConditionInput = {
      type: "Ready",
      status: "True",
      reason: "RolloutSucceed",
      message: `${targetName} runs ${spec.targetSize} replicas`,
    };
    return {
      ...(stale === undefined
        ? {}
        : { change: { op: "delete", ref: revisionWorkloadRef(namespace, stale.metadata.name ?? "") } }),
      status: counted(start),
      condition: done,
    };
  }

  const batch = Math.min(start.currentBatch, last);
  const want = spec.batchTargets[batch] ?? spec.targetSize;
  const sourceName = start.LastSourceRevision;
  const source = sourceName === undefined ? undefined : view.get(revisionWorkloadRef(namespace, sourceName));
  const sourceWant = Math.max(0, spec.targetSize - want);
  const inRolling = (status: BatchRolloutStatus, message: string, change?: ControllerChange): PassResult => ({
    ...(change === undefined ? {} : { change }),
    status: counted({
      ...status,
      rollingState: "rollingInBatches",
      batchRollingState: "batchInRolling",
      currentBatch: batch,
    }),
    condition: rolling("RollingInBatches", message),
  });

  if (target === undefined) {
    const revision = view.get(componentRevisionRef(namespace, targetName));
    if (revision === undefined) {
      return {
        status: { ...start, rollingState: "locatingTargetApp" },
        condition: rolling(
          "TargetRevisionNotFound",
          `component revision ${targetName} (a ControllerRevision) does not exist yet`,
        ),
      };
    }
    const recorded = recordedWorkload(revision);
    if (!recorded.ok)
      return {
        status: { ...start, rollingState: "rolloutFailed" },
        condition: rolling("UnsupportedWorkload", recorded.reason),
      };
    if (spec.paused) return { status: start, condition: rolling("Paused", "the rollout plan is paused") };
    const initial = spec.strategy === "DecreaseFirst" && source !== undefined ? 0 : want;
    const created = buildRevisionWorkload(recorded.workload, rollout, targetName, spec.componentName, initial);
    return {
      change: { op: "create", object: created },
      status: {
        ...start,
        rollingState: "rollingInBatches",
        batchRollingState: "batchInRolling",
        currentBatch: batch,
        upgradedReplicas: initial,
        upgradedReadyReplicas: 0,
      },
      condition: rolling(
        "RollingInBatches",
        `batch ${batch + 1}/${last + 1}: creating ${targetName} with ${initial} replicas`,
      ),
    };
  }
  if (spec.paused) return { status: counted(start), condition: rolling("Paused", "the rollout plan is paused") };

  const targetReplicas = workloadReplicas(target);
  const sourceReplicas = source === undefined ? undefined : workloadReplicas(source);
  const label = `batch ${batch + 1}/${last + 1}`;
  const scaleSourceDown =
    sourceReplicas !== undefined && source !== undefined && sourceReplicas.desired > sourceWant
      ? scaleTo(source, sourceWant)
      : undefined;
  if (spec.strategy === "DecreaseFirst" && scaleSourceDown !== undefined)
    return inRolling(start, `${label}: scaling ${sourceName ?? ""} down to ${sourceWant}`, scaleSourceDown);
  if (targetReplicas.desired < want)
    return inRolling(start, `${label}: scaling ${targetName} up to ${want}`, scaleTo(target, want));
  if (targetReplicas.available < want)
    return inRolling(start, `${label}: ${targetReplicas.available}/${want} pods of ${targetName} available`);
  if (scaleSourceDown !== undefined)
    return inRolling(start, `${label}: scaling ${sourceName ?? ""} down to ${sourceWant}`, scaleSourceDown);
  if (sourceReplicas !== undefined && sourceReplicas.current > sourceWant)
    return inRolling(start, `${label}: waiting for ${sourceName ?? ""} to shrink to ${sourceWant}`);

  // The batch is done: move on, wait at the partition, or finalise after the last batch.
  if (batch < spec.partition) {
    return {
      status: counted({
        ...start,
        rollingState: "rollingInBatches",
        batchRollingState: "batchInitializing",
        currentBatch: batch + 1,
      }),
      condition: rolling("RollingInBatches", `${label} done`),
    };
  }
  if (batch < last) {
    return {
      status: counted({
        ...start,
        rollingState: "rollingInBatches",
        batchRollingState: "batchReady",
        currentBatch: batch,
      }),
      condition: {
        type: "Ready",
        status: "True",
        reason: "BatchPartitionReached",
        message: `${label} ready; waiting at batchPartition ${spec.partition}`,
      },
    };
  }
  const stale = staleWorkloads(view, rollout, targetName)[0];
  if (stale !== undefined)
    return {
      change: { op: "delete", ref: revisionWorkloadRef(namespace, stale.metadata.name ?? "") },
      status: counted({ ...start, batchRollingState: "batchReady", currentBatch: batch }),
      condition: rolling("Finalising", `removing ${stale.metadata.name ?? ""}`),
    };
  return {
    status: counted({ ...start, rollingState: "rolloutSucceed", batchRollingState: "batchReady", currentBatch: batch }),
    condition: {
      type: "Ready",
      status: "True",
      reason: "RolloutSucceed",
      message: `${targetName} runs ${spec.targetSize} replicas`,
    },
  };
}

/** One pass over one Rollout: the workload write (if any), then the status write (if it changed). */
export function reconcileBatchRollout(
  rollout: KubeObject,
  view: ControllerView,
  env: ControllerEnv,
): ControllerChange[] {
  if (rollout.metadata.deletionTimestamp !== undefined) return [];
  const spec = readBatchRolloutSpec(rollout);
  const start = startingStatus(spec, readBatchRolloutStatus(rollout));
  const result: PassResult =
    spec.invalid === undefined
      ? progress(rollout, spec, start, view)
      : { status: { ...start, rollingState: "rolloutFailed" }, condition: rolling("InvalidRolloutPlan", spec.invalid) };
  const previous = (rollout.status ?? {}) as JsonObject;
  const status: JsonObject = {
    ...result.status,
    observedGeneration: rollout.metadata.generation ?? 1,
    conditions: setCondition(previous.conditions, result.condition, env.now, { withUpdateTime: false }),
  };
  const changes: ControllerChange[] = result.change === undefined ? [] : [result.change];
  if (!jsonEqual(previous, status)) changes.push({ op: "updateStatus", object: { ...rollout, status } });
  return changes;
}

const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment" } as const;
const BATCH_ROLLOUT = { apiVersion: BATCH_ROLLOUT_API_VERSION, kind: BATCH_ROLLOUT_KIND } as const;

/** What a Rollout reads by name: the target and source revisions' Deployments and the target's ControllerRevision. */
function batchRolloutReferences(rollout: KubeObject): ObjectRef[] {
  const namespace = rollout.metadata.namespace;
  const spec = readBatchRolloutSpec(rollout);
  const source = startingStatus(spec, readBatchRolloutStatus(rollout)).LastSourceRevision;
  return [
    revisionWorkloadRef(namespace, spec.targetRevisionName),
    componentRevisionRef(namespace, spec.targetRevisionName),
    ...(source === undefined ? [] : [revisionWorkloadRef(namespace, source)]),
  ];
}

/**
 * Keyed as KubeVela's rollout controller watches: the Rollout, the revision Deployments it owns,
 * and the revisions it names (their Deployments and ControllerRevisions).
 */
const batchRolloutReconciler: KeyedReconciler = {
  primaries: [BATCH_ROLLOUT],
  watches: [
    { ...BATCH_ROLLOUT, mapTo: "self" },
    { ...DEPLOYMENT, mapTo: "controller-owner" },
    { ...DEPLOYMENT, mapTo: "referrers" },
    { apiVersion: "apps/v1", kind: "ControllerRevision", mapTo: "referrers" },
  ],
  references: batchRolloutReferences,
  reconcileObject: reconcileBatchRollout,
};

/**
 * The batch rollout controller of `standard.oam.dev/v1alpha1` Rollouts. Always on: it is part of
 * KubeVela's core, and it acts only on its own API group.
 */
export const batchRolloutController: SimulatedController = {
  name: "batch-rollout",
  keyed: batchRolloutReconciler,
  reconcile: (view, env) => reconcileEvery(batchRolloutReconciler, view, env),
};
