/**
 * Simulated Deployment controller.
 *
 * Copies `kubernetes/kubernetes` `pkg/controller/deployment/`: `sync.go` (`getNewReplicaSet`: the
 * ReplicaSet whose template equals the Deployment's, named `<deployment>-<pod-template-hash>`;
 * `scale` when paused: only the single active ReplicaSet follows `spec.replicas`, no new
 * ReplicaSet is created), `rolling.go` (`reconcileNewReplicaSet`, `reconcileOldReplicaSets`,
 * `cleanupUnhealthyReplicas`, `scaleDownOldReplicaSetsForRollingUpdate`: one scaling action per
 * sync, bounded by maxSurge rounded up and maxUnavailable rounded down, default 25%/25%),
 * `recreate.go` (old ReplicaSets to zero first), `util/deployment_util.go` (`NewRSNewReplicas`,
 * `MaxSurge`, `MaxUnavailable`, `DeploymentComplete`) and `progress.go` / `sync.go`
 * `calculateStatus` (replicas, updatedReplicas, readyReplicas, availableReplicas,
 * unavailableReplicas, observedGeneration, conditions Available and Progressing with upstream
 * reasons and messages). Old ReplicaSets are kept at zero replicas (revision history).
 */
import type { KubeObject, ObjectRef } from "../../../model/kube-object.js";
import type { ControllerChange, ControllerEnv, KeyedReconciler, SimulatedController } from "../controller-contract.js";
import { jsonEqual, type JsonObject, type JsonValue } from "../../../util/index.js";
import { setCondition } from "./common/conditions.js";
import { booleanAt, numberAt, objectAt, stringAt, valueAt } from "./common/fields.js";
import { scaledValue } from "./common/int-or-percent.js";
import { controlledChildren, reconcileEvery } from "./common/keyed.js";
import { controllerReference } from "./common/owners.js";
import { POD_READY_DELAY_ANNOTATION, POD_TEMPLATE_HASH_LABEL, podTemplateHash } from "./common/pods.js";

/** Annotation on ReplicaSets: the Deployment revision they belong to. */
export const DEPLOYMENT_REVISION_ANNOTATION = "deployment.kubernetes.io/revision";

/** `spec.replicas`, defaulting to 1 as the API server does. */
export function desiredReplicas(workload: KubeObject): number {
  return Math.max(0, numberAt(workload, ["spec", "replicas"]) ?? 1);
}

/** maxSurge and maxUnavailable resolved against `replicas` (`deployment_util.ResolveFenceposts`). */
export function resolveFenceposts(
  deployment: KubeObject,
  replicas: number,
): { readonly maxSurge: number; readonly maxUnavailable: number } {
  const rolling = objectAt(deployment, ["spec", "strategy", "rollingUpdate"]);
  const surge = scaledValue(rolling?.maxSurge ?? "25%", replicas, true) ?? Math.ceil(replicas / 4);
  let unavailable = scaledValue(rolling?.maxUnavailable ?? "25%", replicas, false) ?? Math.floor(replicas / 4);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: Math.min(unavailable, replicas) };
}

function specReplicas(rs: KubeObject): number {
  return numberAt(rs, ["spec", "replicas"]) ?? 0;
}

function statusCount(rs: KubeObject | undefined, field: string): number {
  return rs === undefined ? 0 : (numberAt(rs, ["status", field]) ?? 0);
}

function refOfObject(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  };
}

/** A scale write on a ReplicaSet. */
export function scale(rs: KubeObject, replicas: number): ControllerChange {
  return { op: "patch", ref: refOfObject(rs), body: { type: "merge", patch: { spec: { replicas } } } };
}

function byCreation(a: KubeObject, b: KubeObject): number {
  const ca = a.metadata.creationTimestamp ?? "";
  const cb = b.metadata.creationTimestamp ?? "";
  return ca === cb ? (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "") : ca < cb ? -1 : 1;
}

/** The ReplicaSet `<deployment>-<hash>` for the Deployment's current template (`getNewReplicaSet`). */
export function newReplicaSet(deployment: KubeObject, hash: string, replicas: number, revision: number): KubeObject {
  const template = structuredClone(objectAt(deployment, ["spec", "template"]) ?? {});
  const templateMeta = (template.metadata ??= {}) as JsonObject;
  const templateLabels = {
    ...((templateMeta.labels as Record<string, string> | undefined) ?? {}),
    [POD_TEMPLATE_HASH_LABEL]: hash,
  };
  templateMeta.labels = templateLabels;
  const selector = structuredClone(objectAt(deployment, ["spec", "selector"]) ?? {});
  selector.matchLabels = {
    ...((selector.matchLabels as Record<string, string> | undefined) ?? {}),
    [POD_TEMPLATE_HASH_LABEL]: hash,
  };
  const delay = deployment.metadata.annotations?.[POD_READY_DELAY_ANNOTATION];
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${deployment.metadata.name ?? ""}-${hash}`,
      ...(deployment.metadata.namespace === undefined ? {} : { namespace: deployment.metadata.namespace }),
      labels: templateLabels,
      annotations: {
        [DEPLOYMENT_REVISION_ANNOTATION]: String(revision),
        "deployment.kubernetes.io/desired-replicas": String(desiredReplicas(deployment)),
        ...(delay === undefined ? {} : { [POD_READY_DELAY_ANNOTATION]: delay }),
      },
      ownerReferences: [controllerReference(deployment)],
    },
    spec: { replicas, selector, template, minReadySeconds: numberAt(deployment, ["spec", "minReadySeconds"]) ?? 0 },
  };
}

/** The ReplicaSets of a Deployment, split into the one matching its template and the rest. */
export interface DeploymentReplicaSets {
  readonly hash: string;
  readonly newRS: KubeObject | undefined;
  readonly oldRSs: readonly KubeObject[];
}

/** Finds the new and old ReplicaSets among those a Deployment owns. */
export function splitReplicaSets(deployment: KubeObject, owned: readonly KubeObject[]): DeploymentReplicaSets {
  const hash = podTemplateHash(objectAt(deployment, ["spec", "template"]));
  const live = owned.filter((rs) => rs.metadata.deletionTimestamp === undefined).sort(byCreation);
  const newRS = live.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
  return { hash, newRS, oldRSs: live.filter((rs) => rs !== newRS) };
}

function rolloutRolling(deployment: KubeObject, sets: DeploymentReplicaSets, revision: number): ControllerChange[] {
  const replicas = desiredReplicas(deployment);
  const { maxSurge, maxUnavailable } = resolveFenceposts(deployment, replicas);
  const all = sets.newRS === undefined ? sets.oldRSs : [sets.newRS, ...sets.oldRSs];
  const currentPods = all.reduce((sum, rs) => sum + specReplicas(rs), 0);
  const newCount = sets.newRS === undefined ? 0 : specReplicas(sets.newRS);

  // reconcileNewReplicaSet: scale the new ReplicaSet up within maxSurge (or down to replicas).
  let target = newCount;
  if (newCount > replicas) target = replicas;
  else if (newCount < replicas && currentPods < replicas + maxSurge)
    target = newCount + Math.min(replicas + maxSurge - currentPods, replicas - newCount);
  if (sets.newRS === undefined)
    return [{ op: "create", object: newReplicaSet(deployment, sets.hash, target, revision) }];
  if (target !== newCount) return [scale(sets.newRS, target)];

  // reconcileOldReplicaSets: scale old ReplicaSets down while keeping minAvailable.
  const oldPods = sets.oldRSs.reduce((sum, rs) => sum + specReplicas(rs), 0);
  if (oldPods === 0) return [];
  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = newCount - statusCount(sets.newRS, "availableReplicas");
  const maxScaledDown = currentPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const next = new Map(sets.oldRSs.map((rs) => [rs, specReplicas(rs)]));
  let cleaned = 0;
  for (const rs of sets.oldRSs) {
    const current = next.get(rs) ?? 0;
    const unhealthy = current - statusCount(rs, "availableReplicas");
    if (current === 0 || unhealthy <= 0 || cleaned >= maxScaledDown) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    next.set(rs, current - down);
    cleaned += down;
  }
  const available = all.reduce((sum, rs) => sum + statusCount(rs, "availableReplicas"), 0);
  let budget = Math.max(0, available - minAvailable - cleaned);
  for (const rs of sets.oldRSs) {
    if (budget <= 0) break;
    const current = next.get(rs) ?? 0;
    if (current === 0) continue;
    const down = Math.min(current, budget);
    next.set(rs, current - down);
    budget -= down;
  }
  return sets.oldRSs.filter((rs) => next.get(rs) !== specReplicas(rs)).map((rs) => scale(rs, next.get(rs) ?? 0));
}

function rolloutRecreate(deployment: KubeObject, sets: DeploymentReplicaSets, revision: number): ControllerChange[] {
  const active = sets.oldRSs.filter((rs) => specReplicas(rs) > 0);
  if (active.length > 0) return active.map((rs) => scale(rs, 0));
  if (sets.oldRSs.some((rs) => statusCount(rs, "replicas") > 0)) return [];
  const replicas = desiredReplicas(deployment);
  if (sets.newRS === undefined)
    return [{ op: "create", object: newReplicaSet(deployment, sets.hash, replicas, revision) }];
  return specReplicas(sets.newRS) === replicas ? [] : [scale(sets.newRS, replicas)];
}

function syncPaused(deployment: KubeObject, sets: DeploymentReplicaSets): ControllerChange[] {
  // `scale()`: with one active (or only a new) ReplicaSet, it follows spec.replicas; no rollout happens.
  const all = sets.newRS === undefined ? sets.oldRSs : [sets.newRS, ...sets.oldRSs];
  const active = all.filter((rs) => specReplicas(rs) > 0);
  const only =
    active.length === 1
      ? active[0]
      : active.length === 0
        ? (sets.newRS ?? sets.oldRSs[sets.oldRSs.length - 1])
        : undefined;
  const replicas = desiredReplicas(deployment);
  return only !== undefined && specReplicas(only) !== replicas ? [scale(only, replicas)] : [];
}

/** `calculateStatus` + `syncRolloutStatus`: the Deployment's status from its ReplicaSets. */
export function deploymentStatus(deployment: KubeObject, sets: DeploymentReplicaSets, now: Date): JsonObject {
  const replicas = desiredReplicas(deployment);
  const all = sets.newRS === undefined ? sets.oldRSs : [sets.newRS, ...sets.oldRSs];
  const actual = all.reduce((sum, rs) => sum + statusCount(rs, "replicas"), 0);
  const updated = statusCount(sets.newRS, "replicas");
  const ready = all.reduce((sum, rs) => sum + statusCount(rs, "readyReplicas"), 0);
  const available = all.reduce((sum, rs) => sum + statusCount(rs, "availableReplicas"), 0);
  const specTotal = all.reduce((sum, rs) => sum + specReplicas(rs), 0);
  const { maxUnavailable } = resolveFenceposts(deployment, replicas);
  const generation = deployment.metadata.generation ?? 1;
  let conditions: JsonValue = valueAt(deployment, ["status", "conditions"]) ?? [];
  conditions = setCondition(
    conditions,
    available >= replicas - maxUnavailable
      ? {
          type: "Available",
          status: "True",
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
        }
      : {
          type: "Available",
          status: "False",
          reason: "MinimumReplicasUnavailable",
          message: "Deployment does not have minimum availability.",
        },
    now,
  );
  const rsName = sets.newRS?.metadata.name ?? `${deployment.metadata.name ?? ""}-${sets.hash}`;
  const complete = updated === replicas && actual === replicas && available === replicas;
  conditions = setCondition(
    conditions,
    booleanAt(deployment, ["spec", "paused"]) === true
      ? { type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" }
      : complete
        ? {
            type: "Progressing",
            status: "True",
            reason: "NewReplicaSetAvailable",
            message: `ReplicaSet "${rsName}" has successfully progressed.`,
          }
        : {
            type: "Progressing",
            status: "True",
            reason: "ReplicaSetUpdated",
            message: `ReplicaSet "${rsName}" is progressing.`,
          },
    now,
  );
  return {
    observedGeneration: generation,
    replicas: actual,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    ...(Math.max(0, specTotal - available) > 0 ? { unavailableReplicas: Math.max(0, specTotal - available) } : {}),
    conditions,
  };
}

function reconcileDeployment(
  deployment: KubeObject,
  owned: readonly KubeObject[],
  env: ControllerEnv,
): ControllerChange[] {
  if (deployment.metadata.deletionTimestamp !== undefined) return [];
  const sets = splitReplicaSets(deployment, owned);
  const revision =
    1 + Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[DEPLOYMENT_REVISION_ANNOTATION] ?? 0) || 0));
  const paused = booleanAt(deployment, ["spec", "paused"]) === true;
  const recreate = stringAt(deployment, ["spec", "strategy", "type"]) === "Recreate";
  const changes = paused
    ? syncPaused(deployment, sets)
    : recreate
      ? rolloutRecreate(deployment, sets, revision)
      : rolloutRolling(deployment, sets, revision);
  const status = deploymentStatus(deployment, sets, env.now);
  if (!jsonEqual(deployment.status ?? {}, status))
    changes.push({ op: "updateStatus", object: { ...deployment, status } });
  return changes;
}

const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment" } as const;
const REPLICA_SET = { apiVersion: "apps/v1", kind: "ReplicaSet" } as const;

const deploymentReconciler: KeyedReconciler = {
  primaries: [DEPLOYMENT],
  watches: [
    { ...DEPLOYMENT, mapTo: "self" },
    { ...REPLICA_SET, mapTo: "controller-owner" },
  ],
  reconcileObject: (deployment, view, env) =>
    reconcileDeployment(deployment, controlledChildren(view, deployment, REPLICA_SET), env),
};

/** The simulated Deployment controller (always on). */
export const deploymentController: SimulatedController = {
  name: "deployment",
  keyed: deploymentReconciler,
  reconcile: (view, env) => reconcileEvery(deploymentReconciler, view, env),
};
