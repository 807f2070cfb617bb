/**
 * What the Rollout controller gathers before acting on one Rollout (the `RolloutContext` of
 * `openkruise/rollouts` `pkg/controller/rollout/context.go`, and `pkg/util/controller_finder.go`
 * `Workload` for a Deployment: stable revision, canary revision, in-progress and in-rollback flags).
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import type { ControllerChange, ControllerEnv, ControllerView } from "../../controller-contract.js";
import { numberAt, objectAt } from "../common/fields.js";
import { controlledChildren } from "../common/keyed.js";
import { isControlledBy } from "../common/owners.js";
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from "../common/pods.js";
import { CANARY_DEPLOYMENT_LABEL, IN_PROGRESSING_ANNOTATION, STABLE_REVISION_LABEL, type RolloutPlan } from "./api.js";
import type { RolloutStatus } from "./status.js";

const REPLICA_SET = { apiVersion: "apps/v1", kind: "ReplicaSet" } as const;

/** The workload as the Rollout controller sees it. */
export interface WorkloadInfo {
  readonly object: KubeObject;
  /** pod-template-hash of the stable ReplicaSet. */
  readonly stableRevision: string;
  /** Hash of the workload's current template. */
  readonly canaryRevision: string;
  readonly inProgressing: boolean;
  /** The template was put back to the stable one while a release was in progress. */
  readonly isInRollback: boolean;
  /** generation == status.observedGeneration. */
  readonly statusConsistent: boolean;
  readonly replicas: number;
}

/** The ReplicaSets a Deployment controls, from the store's owner index (namespace, then name). */
export function replicaSetsOf(view: ControllerView, deployment: KubeObject): readonly KubeObject[] {
  return controlledChildren(view, deployment, REPLICA_SET);
}

/**
 * The canary Deployment of a canary-style release of `stable` (found by the label naming the stable
 * Deployment, never by its random name; the last one listed when several carry it).
 */
export function canaryDeploymentOf(view: ControllerView, stable: KubeObject): KubeObject | undefined {
  const name = stable.metadata.name ?? "";
  const namespace = stable.metadata.namespace;
  const labelled = isLabelValue(name)
    ? view.list("apps/v1", "Deployment", {
        ...(namespace === undefined ? {} : { namespace }),
        labelSelector: `${CANARY_DEPLOYMENT_LABEL}=${name}`,
      })
    : [];
  return labelled.findLast(
    (deployment) =>
      deployment.metadata.labels?.[CANARY_DEPLOYMENT_LABEL] === name &&
      deployment.metadata.deletionTimestamp === undefined,
  );
}

/** Whether a name can be a label value (≤ 63 characters, alphanumeric at both ends): else no label names it. */
function isLabelValue(value: string): boolean {
  return /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/.test(value);
}

/** Everything one reconcile of one Rollout works with; `changes` collects the writes in order. */
export interface RolloutContext {
  readonly view: ControllerView;
  readonly env: ControllerEnv;
  readonly rollout: KubeObject;
  readonly plan: RolloutPlan;
  readonly namespace: string | undefined;
  readonly workload: WorkloadInfo;
  readonly status: RolloutStatus;
  readonly changes: ControllerChange[];
}

/** A namespaced ref in the Rollout's namespace. */
export function refIn(namespace: string | undefined, apiVersion: string, kind: string, name: string): ObjectRef {
  return { apiVersion, kind, name, ...(namespace === undefined ? {} : { namespace }) };
}

/** Reads a Deployment's Rollout-relevant facts. */
export function describeDeployment(view: ControllerView, deployment: KubeObject): WorkloadInfo {
  const owned = replicaSetsOf(view, deployment).filter(
    (rs) => isControlledBy(rs, deployment) && rs.metadata.deletionTimestamp === undefined,
  );
  const labelled = deployment.metadata.labels?.[STABLE_REVISION_LABEL];
  const active = owned.filter((rs) => (numberAt(rs, ["spec", "replicas"]) ?? 0) > 0);
  const stable =
    owned.find((rs) => labelled !== undefined && rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === labelled) ??
    (active.length === 1 ? active[0] : undefined);
  const canaryRevision = podTemplateHash(objectAt(deployment, ["spec", "template"]));
  const stableRevision = stable?.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? labelled ?? "";
  const inProgressing = deployment.metadata.annotations?.[IN_PROGRESSING_ANNOTATION] !== undefined;
  return {
    object: deployment,
    stableRevision,
    canaryRevision,
    inProgressing,
    isInRollback:
      inProgressing &&
      stable !== undefined &&
      podTemplateHash(objectAt(stable, ["spec", "template"])) === canaryRevision,
    statusConsistent:
      (deployment.metadata.generation ?? 1) === (numberAt(deployment, ["status", "observedGeneration"]) ?? 0),
    replicas: Math.max(0, numberAt(deployment, ["spec", "replicas"]) ?? 1),
  };
}
