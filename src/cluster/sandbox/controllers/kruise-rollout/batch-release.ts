/**
 * Simulated BatchRelease controller, canary style for Deployments (`openkruise/rollouts`
 * `pkg/controller/batchrelease/control/canarystyle/deployment/{control.go,canary.go}`):
 * creates the canary Deployment (`generateName: <D>-`, a 5-character suffix; a copy of the stable
 * Deployment's spec with `replicas: 0`, `paused: false` and `patchPodTemplateMetadata`; label
 * `rollouts.kruise.io/canary-deployment: <D>`; finalizer `finalizer.rollouts.kruise.io/batch-release`;
 * controller owner the BatchRelease; `control-info` annotation), marks the stable Deployment with
 * `control-info`, scales the canary Deployment *up* (never down) to the current batch's
 * `canaryReplicas` (`ceil(p × N / 100)` or the int, capped at N), and reports the batch `Ready`
 * once enough canary pods are available (within `failureThreshold`). When the BatchRelease is
 * deleted its finalizer work is done here: the canary Deployment's finalizer is removed so
 * garbage collection takes it.
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import { jsonEqual, sha256OfJson, type JsonObject } from "../../../../util/index.js";
import type {
  ControllerChange,
  ControllerEnv,
  ControllerView,
  KeyedReconciler,
  SimulatedController,
} from "../../controller-contract.js";
import { numberAt, objectAt, objectsAt, stringAt, valueAt } from "../common/fields.js";
import { scaledValue } from "../common/int-or-percent.js";
import { randomSuffix } from "../common/names.js";
import { controlledChildren, reconcileEvery } from "../common/keyed.js";
import { controllerReference } from "../common/owners.js";
import { podTemplateHash } from "../common/pods.js";
import { BATCH_RELEASE_FINALIZER, CANARY_DEPLOYMENT_LABEL, CONTROL_INFO_ANNOTATION } from "./api.js";
import { refIn } from "./context.js";
import { canaryReplicasFor } from "./replicas.js";

/** The canary Deployment's template: the stable one plus `patchPodTemplateMetadata`. */
function canaryTemplate(stable: KubeObject, patch: JsonObject | undefined): JsonObject {
  const template = structuredClone(objectAt(stable, ["spec", "template"]) ?? {});
  if (patch === undefined) return template;
  const metadata = (template.metadata ??= {}) as JsonObject;
  const labels = objectAt(patch, ["labels"]);
  const annotations = objectAt(patch, ["annotations"]);
  if (labels !== undefined) metadata.labels = { ...(objectAt(metadata, ["labels"]) ?? {}), ...labels };
  if (annotations !== undefined)
    metadata.annotations = { ...(objectAt(metadata, ["annotations"]) ?? {}), ...annotations };
  return template;
}

function controlInfo(br: KubeObject): string {
  return JSON.stringify({ apiVersion: br.apiVersion, kind: br.kind, name: br.metadata.name, uid: br.metadata.uid });
}

function buildCanaryDeployment(stable: KubeObject, br: KubeObject, name: string): KubeObject {
  const spec = structuredClone(objectAt(stable, ["spec"]) ?? {});
  spec.replicas = 0;
  spec.paused = false;
  spec.template = canaryTemplate(stable, objectAt(br, ["spec", "releasePlan", "patchPodTemplateMetadata"]));
  const stableName = stable.metadata.name ?? "";
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      generateName: `${stableName}-`,
      ...(stable.metadata.namespace === undefined ? {} : { namespace: stable.metadata.namespace }),
      labels: { ...(stable.metadata.labels ?? {}), [CANARY_DEPLOYMENT_LABEL]: stableName },
      annotations: { [CONTROL_INFO_ANNOTATION]: controlInfo(br) },
      finalizers: [BATCH_RELEASE_FINALIZER],
      ownerReferences: [controllerReference(br)],
    },
    spec,
  };
}

/** A name `generateName: <stable>-` could give that no Deployment has yet. */
function freeCanaryName(
  view: ControllerView,
  namespace: string | undefined,
  stableName: string,
  env: ControllerEnv,
): string {
  let name = `${stableName}-${randomSuffix(() => env.random())}`;
  while (view.get(refIn(namespace, "apps/v1", "Deployment", name)) !== undefined)
    name = `${stableName}-${randomSuffix(() => env.random())}`;
  return name;
}

function reconcileBatchRelease(br: KubeObject, view: ControllerView, env: ControllerEnv): ControllerChange[] {
  const namespace = br.metadata.namespace;
  const changes: ControllerChange[] = [];
  const ref = objectAt(br, ["spec", "targetReference", "workloadRef"]);
  const stableName = stringAt(ref, ["name"]) ?? "";
  if (stringAt(ref, ["kind"]) !== "Deployment") return [];
  const stable = view.get(refIn(namespace, stringAt(ref, ["apiVersion"]) ?? "apps/v1", "Deployment", stableName));
  if (br.metadata.deletionTimestamp !== undefined || stable === undefined) return [];
  const canaries = controlledChildren(view, br, DEPLOYMENT).filter(
    (d) => d.metadata.labels?.[CANARY_DEPLOYMENT_LABEL] === stableName,
  );
  const partition = valueAt(br, ["spec", "releasePlan", "batchPartition"]);
  const batches = objectsAt(br, ["spec", "releasePlan", "batches"]);
  const batchIndex =
    typeof partition === "number"
      ? Math.min(Math.max(0, partition), Math.max(0, batches.length - 1))
      : Math.max(0, batches.length - 1);
  const total = Math.max(0, numberAt(stable, ["spec", "replicas"]) ?? 1);
  const target = canaryReplicasFor(batches[batchIndex]?.canaryReplicas, total) ?? 0;
  let canary = canaries.find((d) => d.metadata.deletionTimestamp === undefined);
  if (
    canary === undefined &&
    stable.metadata.annotations?.[CONTROL_INFO_ANNOTATION] === undefined &&
    typeof partition === "number"
  ) {
    changes.push({
      op: "patch",
      ref: refIn(namespace, "apps/v1", "Deployment", stableName),
      body: { type: "merge", patch: { metadata: { annotations: { [CONTROL_INFO_ANNOTATION]: controlInfo(br) } } } },
    });
  }
  if (canary === undefined && typeof partition === "number") {
    const name = freeCanaryName(view, namespace, stableName, env);
    changes.push({ op: "create", object: buildCanaryDeployment(stable, br, name) });
  } else if (
    canary !== undefined &&
    typeof partition === "number" &&
    (numberAt(canary, ["spec", "replicas"]) ?? 0) < target
  ) {
    changes.push({
      op: "patch",
      ref: refIn(namespace, "apps/v1", "Deployment", canary.metadata.name ?? ""),
      body: { type: "merge", patch: { spec: { replicas: target } } },
    });
    canary = undefined;
  }
  const available = canary === undefined ? 0 : (numberAt(canary, ["status", "availableReplicas"]) ?? 0);
  const updated = canary === undefined ? 0 : (numberAt(canary, ["status", "updatedReplicas"]) ?? 0);
  const tolerance = scaledValue(valueAt(br, ["spec", "releasePlan", "failureThreshold"]), target, true) ?? 0;
  const consistent =
    canary !== undefined &&
    (numberAt(canary, ["status", "observedGeneration"]) ?? 0) >= (canary.metadata.generation ?? 1) &&
    (numberAt(canary, ["spec", "replicas"]) ?? 0) >= target;
  const ready = consistent && updated >= target && available >= target - tolerance;
  const status: JsonObject = {
    observedGeneration: br.metadata.generation ?? 1,
    observedReleasePlanHash: sha256OfJson(batches).slice(0, 16),
    phase: typeof partition === "number" ? "Progressing" : "Finalizing",
    stableRevision: stable.metadata.labels?.["rollouts.kruise.io/stable-revision"] ?? "",
    updateRevision: canary === undefined ? "" : podTemplateHash(objectAt(canary, ["spec", "template"])),
    canaryStatus: {
      currentBatch: batchIndex,
      currentBatchState: ready ? "Ready" : "Upgrading",
      updatedReplicas: updated,
      updatedReadyReplicas: available,
    },
  };
  const previous = valueAt(br, ["status"]);
  if (!jsonEqual(previous ?? {}, status)) changes.push({ op: "updateStatus", object: { ...br, status } });
  return changes;
}

/** Removes the batch-release finalizer from a canary Deployment being deleted, so GC can take it. */
function releaseFinalizer(deployment: KubeObject): ControllerChange[] {
  const finalizers = deployment.metadata.finalizers ?? [];
  if (
    deployment.metadata.labels?.[CANARY_DEPLOYMENT_LABEL] === undefined ||
    deployment.metadata.deletionTimestamp === undefined ||
    !finalizers.includes(BATCH_RELEASE_FINALIZER)
  )
    return [];
  return [
    {
      op: "patch",
      ref: refIn(deployment.metadata.namespace, "apps/v1", "Deployment", deployment.metadata.name ?? ""),
      body: {
        type: "merge",
        patch: { metadata: { finalizers: finalizers.filter((f) => f !== BATCH_RELEASE_FINALIZER) } },
      },
    },
  ];
}

/** The stable Deployment a BatchRelease's `targetReference.workloadRef` names. */
function batchReleaseReferences(br: KubeObject): ObjectRef[] {
  const ref = objectAt(br, ["spec", "targetReference", "workloadRef"]);
  if (stringAt(ref, ["kind"]) !== "Deployment") return [];
  return [
    refIn(
      br.metadata.namespace,
      stringAt(ref, ["apiVersion"]) ?? "apps/v1",
      "Deployment",
      stringAt(ref, ["name"]) ?? "",
    ),
  ];
}

const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment" } as const;
const BATCH_RELEASE = { apiVersion: "rollouts.kruise.io/v1alpha1", kind: "BatchRelease" } as const;

/**
 * Keyed as `openkruise/rollouts` `batchrelease_controller.go` watches: the BatchRelease, its
 * workload (the stable Deployment its `workloadRef` names) and the canary Deployments it owns; a
 * canary Deployment being deleted is its own key (its finalizer is released first, as the full pass
 * released them before reconciling the BatchReleases).
 */
const batchReleaseReconciler: KeyedReconciler = {
  primaries: [DEPLOYMENT, BATCH_RELEASE],
  watches: [
    { ...DEPLOYMENT, mapTo: "self" },
    { ...DEPLOYMENT, mapTo: "controller-owner" },
    { ...DEPLOYMENT, mapTo: "referrers" },
    { ...BATCH_RELEASE, mapTo: "self" },
  ],
  references: batchReleaseReferences,
  reconcileObject: (object, view, env) =>
    object.kind === "Deployment" ? releaseFinalizer(object) : reconcileBatchRelease(object, view, env),
};

/** The simulated BatchRelease controller (addon `kruise-rollout`). */
export const batchReleaseController: SimulatedController = {
  name: "batchrelease",
  addon: "kruise-rollout",
  keyed: batchReleaseReconciler,
  reconcile: (view, env) => reconcileEvery(batchReleaseReconciler, view, env),
};
