/**
 * Simulated StatefulSet controller.
 *
 * Copies `kubernetes/kubernetes` `pkg/controller/statefulset/stateful_set_control.go`
 * (`updateStatefulSet` with the default `OrderedReady` policy: pods `<name>-<ordinal>` created in
 * ordinal order, one at a time, each waiting for the previous to be Ready; scale-down from the
 * highest ordinal; `RollingUpdate` replaces, highest ordinal first and one at a time, every pod
 * with ordinal ≥ `rollingUpdate.partition` whose `controller-revision-hash` is not the update
 * revision; pods below the partition are (re)created at the current revision) and
 * `stateful_set_utils.go` (ControllerRevisions named `<name>-<hash>`, labels
 * `controller-revision-hash` and `statefulset.kubernetes.io/pod-name`). Status: replicas,
 * readyReplicas, availableReplicas, currentReplicas, updatedReplicas, currentRevision,
 * updateRevision, observedGeneration (plus `updatedReadyReplicas` as Kruise's Advanced StatefulSet
 * reports it).
 */
import type { KubeObject } from "../../../model/kube-object.js";
import { jsonEqual, type JsonObject } from "../../../util/index.js";
import type { ControllerChange, ControllerEnv, KeyedReconciler, SimulatedController } from "../controller-contract.js";
import { numberAt, stringAt } from "./common/fields.js";
import { controlledChildren, earliestWakeOfEvery, reconcileEvery } from "./common/keyed.js";
import {
  buildPod,
  podDeletion,
  CONTROLLER_REVISION_HASH_LABEL,
  earliestPodReadyAt,
  isPodReady,
  podReadinessChange,
  readyDelaySeconds,
} from "./common/pods.js";
import { templateForRevision, workloadRevisions } from "./common/revisions.js";

function ordinalOf(workload: KubeObject, pod: KubeObject): number {
  const suffix = (pod.metadata.name ?? "").slice((workload.metadata.name ?? "").length + 1);
  return /^\d+$/.test(suffix) ? Number(suffix) : -1;
}

function reconcileStatefulSet(
  sts: KubeObject,
  pods: readonly KubeObject[],
  revisions: readonly KubeObject[],
  env: ControllerEnv,
): ControllerChange[] {
  if (sts.metadata.deletionTimestamp !== undefined) return [];
  const changes: ControllerChange[] = [];
  const { updateRevision, currentRevision, create } = workloadRevisions(sts, revisions);
  if (create !== undefined) changes.push(create);
  const replicas = Math.max(0, numberAt(sts, ["spec", "replicas"]) ?? 1);
  const onDelete = stringAt(sts, ["spec", "updateStrategy", "type"]) === "OnDelete";
  const partition = Math.max(0, numberAt(sts, ["spec", "updateStrategy", "rollingUpdate", "partition"]) ?? 0);
  const live = pods.filter((pod) => pod.metadata.deletionTimestamp === undefined);
  const byOrdinal = new Map(live.map((pod) => [ordinalOf(sts, pod), pod]));
  for (const pod of live) {
    const ready = podReadinessChange(pod, env.now);
    if (ready !== undefined) changes.push(ready);
  }
  let action: ControllerChange | undefined;
  for (let ordinal = 0; ordinal < replicas && action === undefined; ordinal++) {
    const pod = byOrdinal.get(ordinal);
    if (pod === undefined) {
      const revision = ordinal < partition ? currentRevision : updateRevision;
      const template = templateForRevision(sts, revisions, revision);
      const name = `${sts.metadata.name ?? ""}-${ordinal}`;
      action = {
        op: "create",
        object: buildPod({
          name,
          namespace: sts.metadata.namespace,
          template,
          owner: sts,
          extraLabels: { [CONTROLLER_REVISION_HASH_LABEL]: revision, "statefulset.kubernetes.io/pod-name": name },
          now: env.now,
          readyDelaySeconds: readyDelaySeconds(sts, template),
        }),
      };
    } else if (!isPodReady(pod)) break;
  }
  const allReady = live.length > 0 && live.every(isPodReady);
  if (action === undefined && allReady) {
    const extra = live
      .filter((pod) => ordinalOf(sts, pod) >= replicas || ordinalOf(sts, pod) < 0)
      .sort((a, b) => ordinalOf(sts, b) - ordinalOf(sts, a))[0];
    if (extra !== undefined) action = podDeletion(extra);
  }
  if (action === undefined && allReady && !onDelete && live.length === replicas) {
    for (let ordinal = replicas - 1; ordinal >= partition; ordinal--) {
      const pod = byOrdinal.get(ordinal);
      if (pod !== undefined && pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== updateRevision) {
        action = podDeletion(pod);
        break;
      }
    }
  }
  if (action !== undefined) changes.push(action);
  const updated = live.filter((pod) => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === updateRevision);
  const ready = live.filter(isPodReady).length;
  const status: JsonObject = {
    observedGeneration: sts.metadata.generation ?? 1,
    replicas: live.length,
    readyReplicas: ready,
    availableReplicas: ready,
    currentReplicas: live.filter((pod) => pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === currentRevision)
      .length,
    updatedReplicas: updated.length,
    updatedReadyReplicas: updated.filter(isPodReady).length,
    currentRevision: updated.length === replicas && updated.every(isPodReady) ? updateRevision : currentRevision,
    updateRevision,
    collisionCount: 0,
  };
  if (!jsonEqual(sts.status ?? {}, status)) changes.push({ op: "updateStatus", object: { ...sts, status } });
  return changes;
}

const STATEFUL_SETS = [
  { apiVersion: "apps/v1", kind: "StatefulSet" },
  { apiVersion: "apps.kruise.io/v1beta1", kind: "StatefulSet" },
] as const;
const POD = { apiVersion: "v1", kind: "Pod" } as const;
const CONTROLLER_REVISION = { apiVersion: "apps/v1", kind: "ControllerRevision" } as const;

const statefulSetReconciler: KeyedReconciler = {
  primaries: STATEFUL_SETS,
  watches: [
    ...STATEFUL_SETS.map((kind) => ({ ...kind, mapTo: "self" as const })),
    { ...POD, mapTo: "controller-owner" },
    { ...CONTROLLER_REVISION, mapTo: "controller-owner" },
  ],
  reconcileObject: (sts, view, env) =>
    reconcileStatefulSet(
      sts,
      controlledChildren(view, sts, POD),
      controlledChildren(view, sts, CONTROLLER_REVISION),
      env,
    ),
  wakeAt: (sts, view, env) => earliestPodReadyAt(controlledChildren(view, sts, POD), env.now),
};

/** The simulated StatefulSet controller (always on; also serves Kruise's Advanced StatefulSet API). */
export const statefulSetController: SimulatedController = {
  name: "statefulset",
  keyed: statefulSetReconciler,
  reconcile: (view, env) => reconcileEvery(statefulSetReconciler, view, env),
  nextWakeAt: (view, env) => earliestWakeOfEvery(statefulSetReconciler, view, env),
};
