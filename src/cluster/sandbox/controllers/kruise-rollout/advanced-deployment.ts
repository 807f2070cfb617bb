/**
 * The Deployment controller of the Kruise rollouts project (`openkruise/rollouts`
 * `pkg/controller/deployment/rolling.go`, `util/deployment_util.go` `NewRSNewReplicas`,
 * `NewRSReplicasLimit`, `ScaleDownLimitForOld`), which runs a partition-style release while the
 * native controller is paused: the rolling settings come from the Deployment's
 * `rollouts.kruise.io/deployment-strategy` annotation, and the new ReplicaSet never grows past the
 * partition (the updated-pod count of the current step). Each sync makes one scaling action, as the
 * native rolling update does: the new ReplicaSet up within `replicas + maxSurge` and the partition,
 * or older ReplicaSets down within `replicas − maxUnavailable` available pods (unhealthy pods
 * first) and never below `replicas − partition`. So the Deployment never runs ahead of the
 * step, and the total never exceeds `replicas + maxSurge` (the capped rolling canary).
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { isJsonObject, type JsonValue } from "../../../../util/index.js";
import type {
  ControllerChange,
  ControllerView,
  KeyedReconciler,
  SimulatedController,
} from "../../controller-contract.js";
import { controlledChildren, reconcileEvery } from "../common/keyed.js";
import { booleanAt, numberAt } from "../common/fields.js";
import { scaledValue } from "../common/int-or-percent.js";

import {
  DEPLOYMENT_REVISION_ANNOTATION,
  desiredReplicas,
  newReplicaSet,
  scale,
  splitReplicaSets,
} from "../deployment.js";
import { DEPLOYMENT_STRATEGY_ANNOTATION } from "./api.js";

/** The decoded `rollouts.kruise.io/deployment-strategy` annotation. */
export interface PartitionStrategy {
  readonly rollingStyle: string;
  readonly maxSurge: JsonValue;
  readonly maxUnavailable: JsonValue;
  readonly partition: JsonValue;
  readonly paused: boolean;
}

/** Reads a Deployment's partition strategy, when it has one. */
export function readPartitionStrategy(deployment: KubeObject): PartitionStrategy | undefined {
  const text = deployment.metadata.annotations?.[DEPLOYMENT_STRATEGY_ANNOTATION];
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  const value = parsed;
  const rolling = isJsonObject(value.rollingUpdate) ? value.rollingUpdate : {};
  return {
    rollingStyle: typeof value.rollingStyle === "string" ? value.rollingStyle : "",
    maxSurge: rolling.maxSurge ?? "25%",
    maxUnavailable: rolling.maxUnavailable ?? "25%",
    partition: value.partition ?? 0,
    paused: value.paused === true,
  };
}

/** `NewRSReplicasLimit`: the pods the partition lets the new ReplicaSet have. */
export function partitionLimit(partition: JsonValue, replicas: number): number {
  return Math.min(replicas, Math.max(0, scaledValue(partition, replicas, true) ?? 0));
}

function specReplicas(rs: KubeObject | undefined): number {
  return rs === undefined ? 0 : (numberAt(rs, ["spec", "replicas"]) ?? 0);
}

function available(rs: KubeObject | undefined): number {
  return rs === undefined ? 0 : (numberAt(rs, ["status", "availableReplicas"]) ?? 0);
}

function fenceposts(strategy: PartitionStrategy, replicas: number): { maxSurge: number; maxUnavailable: number } {
  const surge = scaledValue(strategy.maxSurge, replicas, true) ?? Math.ceil(replicas / 4);
  let unavailable = scaledValue(strategy.maxUnavailable, replicas, false) ?? Math.floor(replicas / 4);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxSurge: surge, maxUnavailable: Math.min(unavailable, replicas) };
}

/** One sync of a partition-style Deployment: at most one scaling action. */
export function syncPartitionDeployment(
  deployment: KubeObject,
  owned: readonly KubeObject[],
  strategy: PartitionStrategy,
): ControllerChange[] {
  const sets = splitReplicaSets(deployment, owned);
  const replicas = desiredReplicas(deployment);
  const limit = partitionLimit(strategy.partition, replicas);
  const { maxSurge, maxUnavailable } = fenceposts(strategy, replicas);
  const all = sets.newRS === undefined ? sets.oldRSs : [sets.newRS, ...sets.oldRSs];
  const total = all.reduce((sum, rs) => sum + specReplicas(rs), 0);
  const newCount = specReplicas(sets.newRS);
  // reconcileNewReplicaSet with the partition as a ceiling.
  let target = newCount;
  if (newCount > replicas) target = replicas;
  else if (newCount < limit && total < replicas + maxSurge)
    target = Math.min(limit, newCount + Math.min(replicas + maxSurge - total, replicas - newCount));
  if (sets.newRS === undefined) {
    const revision =
      1 +
      Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[DEPLOYMENT_REVISION_ANNOTATION] ?? 0) || 0));
    return [{ op: "create", object: newReplicaSet(deployment, sets.hash, target, revision) }];
  }
  if (target !== newCount) return [scale(sets.newRS, target)];
  // reconcileOldReplicaSets, bounded by ScaleDownLimitForOld.
  const oldPods = sets.oldRSs.reduce((sum, rs) => sum + specReplicas(rs), 0);
  const scaleDownLimit = oldPods - (replicas - Math.max(limit, newCount));
  if (scaleDownLimit < 0) {
    const biggest = [...sets.oldRSs].sort((a, b) => specReplicas(b) - specReplicas(a))[0];
    return biggest === undefined ? [] : [scale(biggest, specReplicas(biggest) - scaleDownLimit)];
  }
  if (oldPods === 0 || scaleDownLimit === 0) return [];
  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = newCount - available(sets.newRS);
  let budget = Math.min(total - minAvailable - newUnavailable, scaleDownLimit);
  if (budget <= 0) return [];
  const next = new Map(sets.oldRSs.map((rs) => [rs, specReplicas(rs)]));
  for (const rs of sets.oldRSs) {
    const unhealthy = (next.get(rs) ?? 0) - available(rs);
    if (unhealthy <= 0 || budget <= 0) continue;
    const down = Math.min(budget, unhealthy);
    next.set(rs, (next.get(rs) ?? 0) - down);
    budget -= down;
  }
  const availableNow = all.reduce((sum, rs) => sum + available(rs), 0);
  let spare = Math.min(availableNow - minAvailable, budget);
  for (const rs of sets.oldRSs) {
    if (spare <= 0) break;
    const current = next.get(rs) ?? 0;
    const down = Math.min(current, spare);
    next.set(rs, current - down);
    spare -= down;
  }
  return sets.oldRSs.filter((rs) => next.get(rs) !== specReplicas(rs)).map((rs) => scale(rs, next.get(rs) ?? 0));
}

const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment" } as const;
const REPLICA_SET = { apiVersion: "apps/v1", kind: "ReplicaSet" } as const;

/** One partition-style Deployment (paused, with the deployment-strategy annotation) and its ReplicaSets. */
function reconcilePartitionDeployment(deployment: KubeObject, view: ControllerView): ControllerChange[] {
  if (
    deployment.metadata.deletionTimestamp !== undefined ||
    booleanAt(deployment, ["spec", "paused"]) !== true ||
    deployment.metadata.annotations?.[DEPLOYMENT_STRATEGY_ANNOTATION] === undefined
  )
    return [];
  const strategy = readPartitionStrategy(deployment);
  if (strategy === undefined || strategy.paused || strategy.rollingStyle !== "Partition") return [];
  return syncPartitionDeployment(deployment, controlledChildren(view, deployment, REPLICA_SET), strategy);
}

/** Keyed as the rollouts project's Deployment controller watches: the Deployment and the ReplicaSets it owns. */
const partitionDeploymentReconciler: KeyedReconciler = {
  primaries: [DEPLOYMENT],
  watches: [
    { ...DEPLOYMENT, mapTo: "self" },
    { ...REPLICA_SET, mapTo: "controller-owner" },
  ],
  reconcileObject: (deployment, view) => reconcilePartitionDeployment(deployment, view),
};

/** The rollouts project's Deployment controller (addon `kruise-rollout`): partition-style Deployments only. */
export const advancedDeploymentController: SimulatedController = {
  name: "kruise-rollout-deployment",
  addon: "kruise-rollout",
  keyed: partitionDeploymentReconciler,
  reconcile: (view, env) => reconcileEvery(partitionDeploymentReconciler, view, env),
};
