/**
 * Simulated ReplicaSet controller and kubelet.
 *
 * Copies `kubernetes/kubernetes` `pkg/controller/replicaset/replica_set.go` (`manageReplicas`:
 * create or delete pods until the owned count equals `spec.replicas`, deleting not-ready and newest
 * pods first as `controller.ActivePods` ranks them; `calculateStatus`: replicas, fullyLabeledReplicas,
 * readyReplicas, availableReplicas, observedGeneration). Pods are named `<rs>-<5 chars>` like
 * `generateName`, carry the template's labels (including `pod-template-hash`) and are owned by the
 * ReplicaSet. The kubelet part marks a pod Running/Ready with a fake `podIP` once its ready-at
 * instant (the `sandbox.vela-ts.io/pod-ready-seconds` delay, default 0) has come.
 * `minReadySeconds` is not simulated: available = ready.
 */
import type { KubeObject } from "../../../model/kube-object.js";
import type { ControllerChange, ControllerEnv, KeyedReconciler, SimulatedController } from "../controller-contract.js";
import { jsonEqual, type JsonObject } from "../../../util/index.js";
import { numberAt, objectAt } from "./common/fields.js";
import { randomSuffix } from "./common/names.js";
import { controlledChildren, earliestWakeOfEvery, reconcileEvery } from "./common/keyed.js";
import {
  buildPod,
  byDeletionPreference,
  earliestPodReadyAt,
  isPodReady,
  podReadinessChange,
  readyDelaySeconds,
} from "./common/pods.js";

function reconcileReplicaSet(rs: KubeObject, pods: readonly KubeObject[], env: ControllerEnv): ControllerChange[] {
  if (rs.metadata.deletionTimestamp !== undefined) return [];
  const changes: ControllerChange[] = [];
  const live = pods.filter((pod) => pod.metadata.deletionTimestamp === undefined);
  const desired = Math.max(0, numberAt(rs, ["spec", "replicas"]) ?? 1);
  const template = objectAt(rs, ["spec", "template"]);
  if (live.length < desired) {
    const taken = new Set(pods.map((pod) => pod.metadata.name));
    for (let i = live.length; i < desired; i++) {
      let name = `${rs.metadata.name ?? "rs"}-${randomSuffix(() => env.random())}`;
      while (taken.has(name)) name = `${rs.metadata.name ?? "rs"}-${randomSuffix(() => env.random())}`;
      taken.add(name);
      changes.push({
        op: "create",
        object: buildPod({
          name,
          namespace: rs.metadata.namespace,
          template,
          owner: rs,
          extraLabels: {},
          now: env.now,
          readyDelaySeconds: readyDelaySeconds(rs, template),
        }),
      });
    }
  } else if (live.length > desired) {
    for (const pod of [...live].sort(byDeletionPreference).slice(0, live.length - desired)) {
      changes.push({
        op: "delete",
        ref: {
          apiVersion: "v1",
          kind: "Pod",
          name: pod.metadata.name ?? "",
          ...(pod.metadata.namespace === undefined ? {} : { namespace: pod.metadata.namespace }),
        },
      });
    }
  }
  for (const pod of live) {
    const change = podReadinessChange(pod, env.now);
    if (change !== undefined) changes.push(change);
  }
  const ready = live.filter(isPodReady).length;
  const status: JsonObject = {
    replicas: live.length,
    fullyLabeledReplicas: live.length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: rs.metadata.generation ?? 1,
  };
  if (!jsonEqual(rs.status ?? {}, status)) changes.push({ op: "updateStatus", object: { ...rs, status } });
  return changes;
}

const REPLICA_SET = { apiVersion: "apps/v1", kind: "ReplicaSet" } as const;
const POD = { apiVersion: "v1", kind: "Pod" } as const;

const replicaSetReconciler: KeyedReconciler = {
  primaries: [REPLICA_SET],
  watches: [
    { ...REPLICA_SET, mapTo: "self" },
    { ...POD, mapTo: "controller-owner" },
  ],
  reconcileObject: (rs, view, env) => reconcileReplicaSet(rs, controlledChildren(view, rs, POD), env),
  wakeAt: (rs, view, env) => earliestPodReadyAt(controlledChildren(view, rs, POD), env.now),
};

/** The simulated ReplicaSet controller (always on). */
export const replicaSetController: SimulatedController = {
  name: "replicaset",
  keyed: replicaSetReconciler,
  reconcile: (view, env) => reconcileEvery(replicaSetReconciler, view, env),
  nextWakeAt: (view, env) => earliestWakeOfEvery(replicaSetReconciler, view, env),
};
