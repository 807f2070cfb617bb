/**
 * Simulated OpenKruise CloneSet controller (`apps.kruise.io/v1alpha1`; always on, like the core kinds).
 *
 * Copies `openkruise/kruise` `pkg/controller/cloneset/sync/{cloneset_scale.go,cloneset_update.go}`
 * and `pkg/controller/cloneset/utils`: pods named `<name>-<5 chars>` with the
 * `controller-revision-hash` and `apps.kruise.io/cloneset-instance-id` labels; scale up creates
 * pods at the update revision while fewer than `replicas − partition` are updated, otherwise at
 * the current revision; scale down removes not-ready and old-revision pods first;
 * `updateStrategy.partition` (int or percent, rounded up) is the number of pods kept at the old
 * revision; ReCreate updates delete old pods within `maxUnavailable` (default 20%, at least 1).
 * Status: replicas, readyReplicas, availableReplicas, updatedReplicas, updatedReadyReplicas,
 * expectedUpdatedReplicas, currentRevision, updateRevision, observedGeneration.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import { jsonEqual, type JsonObject } from "../../../util/index.js";
import type { ControllerChange, ControllerEnv, KeyedReconciler, SimulatedController } from "../controller-contract.js";
import { booleanAt, numberAt, valueAt } from "./common/fields.js";
import { scaledValue } from "./common/int-or-percent.js";
import { randomSuffix } from "./common/names.js";
import { controlledChildren, earliestWakeOfEvery, reconcileEvery } from "./common/keyed.js";
import {
  buildPod,
  podDeletion,
  byDeletionPreference,
  CONTROLLER_REVISION_HASH_LABEL,
  earliestPodReadyAt,
  isPodReady,
  podReadinessChange,
  readyDelaySeconds,
} from "./common/pods.js";
import { templateForRevision, workloadRevisions } from "./common/revisions.js";

const CLONESET_API = "apps.kruise.io/v1alpha1";
const INSTANCE_ID_LABEL = "apps.kruise.io/cloneset-instance-id";

function revisionOf(pod: KubeObject): string | undefined {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

function reconcileCloneSet(
  cs: KubeObject,
  pods: readonly KubeObject[],
  revisions: readonly KubeObject[],
  env: ControllerEnv,
): ControllerChange[] {
  if (cs.metadata.deletionTimestamp !== undefined) return [];
  const changes: ControllerChange[] = [];
  const { updateRevision, currentRevision, create } = workloadRevisions(cs, revisions);
  if (create !== undefined) changes.push(create);
  const replicas = Math.max(0, numberAt(cs, ["spec", "replicas"]) ?? 1);
  const partition = Math.min(
    replicas,
    Math.max(0, scaledValue(valueAt(cs, ["spec", "updateStrategy", "partition"]) ?? 0, replicas, true) ?? 0),
  );
  const expectedUpdated = replicas - partition;
  const maxUnavailable = Math.max(
    1,
    scaledValue(valueAt(cs, ["spec", "updateStrategy", "maxUnavailable"]) ?? "20%", replicas, false) ?? 1,
  );
  const paused = booleanAt(cs, ["spec", "updateStrategy", "paused"]) === true;
  const live = pods.filter((pod) => pod.metadata.deletionTimestamp === undefined);
  for (const pod of live) {
    const ready = podReadinessChange(pod, env.now);
    if (ready !== undefined) changes.push(ready);
  }
  let updated = live.filter((pod) => revisionOf(pod) === updateRevision).length;
  if (live.length < replicas) {
    const taken = new Set(pods.map((pod) => pod.metadata.name));
    for (let i = live.length; i < replicas; i++) {
      const revision = updated < expectedUpdated ? updateRevision : currentRevision;
      if (revision === updateRevision) updated++;
      const id = randomSuffix(() => env.random());
      const name = `${cs.metadata.name ?? ""}-${id}`;
      if (taken.has(name)) continue;
      taken.add(name);
      const template = templateForRevision(cs, revisions, revision);
      changes.push({
        op: "create",
        object: buildPod({
          name,
          namespace: cs.metadata.namespace,
          template,
          owner: cs,
          extraLabels: { [CONTROLLER_REVISION_HASH_LABEL]: revision, [INSTANCE_ID_LABEL]: id },
          now: env.now,
          readyDelaySeconds: readyDelaySeconds(cs, template),
        }),
      });
    }
  } else if (live.length > replicas) {
    const ranked = [...live].sort(
      (a, b) =>
        (revisionOf(a) === updateRevision ? 1 : 0) - (revisionOf(b) === updateRevision ? 1 : 0) ||
        byDeletionPreference(a, b),
    );
    for (const pod of ranked.slice(0, live.length - replicas)) changes.push(podDeletion(pod));
  } else if (!paused && updated < expectedUpdated) {
    const unavailable = live.filter((pod) => !isPodReady(pod)).length;
    const budget = Math.min(maxUnavailable - unavailable, expectedUpdated - updated);
    const old = live.filter((pod) => revisionOf(pod) !== updateRevision).sort(byDeletionPreference);
    for (const pod of old.slice(0, Math.max(0, budget))) changes.push(podDeletion(pod));
  }
  const updatedPods = live.filter((pod) => revisionOf(pod) === updateRevision);
  const ready = live.filter(isPodReady).length;
  const status: JsonObject = {
    observedGeneration: cs.metadata.generation ?? 1,
    replicas: live.length,
    readyReplicas: ready,
    availableReplicas: ready,
    updatedReplicas: updatedPods.length,
    updatedReadyReplicas: updatedPods.filter(isPodReady).length,
    expectedUpdatedReplicas: expectedUpdated,
    currentRevision:
      updatedPods.length === replicas && updatedPods.every(isPodReady) ? updateRevision : currentRevision,
    updateRevision,
  };
  if (!jsonEqual(cs.status ?? {}, status)) changes.push({ op: "updateStatus", object: { ...cs, status } });
  return changes;
}

const CLONE_SET = { apiVersion: CLONESET_API, kind: "CloneSet" } as const;
const POD = { apiVersion: "v1", kind: "Pod" } as const;
const CONTROLLER_REVISION = { apiVersion: "apps/v1", kind: "ControllerRevision" } as const;

const cloneSetReconciler: KeyedReconciler = {
  primaries: [CLONE_SET],
  watches: [
    { ...CLONE_SET, mapTo: "self" },
    { ...POD, mapTo: "controller-owner" },
    { ...CONTROLLER_REVISION, mapTo: "controller-owner" },
  ],
  reconcileObject: (cs, view, env) =>
    reconcileCloneSet(cs, controlledChildren(view, cs, POD), controlledChildren(view, cs, CONTROLLER_REVISION), env),
  wakeAt: (cs, view, env) => earliestPodReadyAt(controlledChildren(view, cs, POD), env.now),
};

/** The simulated CloneSet controller. */
export const cloneSetController: SimulatedController = {
  name: "cloneset",
  keyed: cloneSetReconciler,
  reconcile: (view, env) => reconcileEvery(cloneSetReconciler, view, env),
  nextWakeAt: (view, env) => earliestWakeOfEvery(cloneSetReconciler, view, env),
};
