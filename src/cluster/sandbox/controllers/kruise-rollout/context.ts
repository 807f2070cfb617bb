/**
 * What the Rollout controller gathers before acting on one Rollout (the `RolloutContext` of
 * `openkruise/rollouts` `pkg/controller/rollout/context.go`, and `pkg/util/controller_finder.go`
 * `Workload` for a Deployment: stable revision, canary revision, in-progress and in-rollback flags).
 */
import type { KubeObject, ObjectRef } from "../../../../model/kube-object.js";
import type { ControllerChange, ControllerEnv, ControllerView } from "../../controller-contract.js";
import { numberAt, objectAt } from "../common/fields.js";
import { childrenOf, groupByController, isControlledBy } from "../common/owners.js";
import { POD_TEMPLATE_HASH_LABEL, podTemplateHash } from "../common/pods.js";
import { CANARY_DEPLOYMENT_LABEL, IN_PROGRESSING_ANNOTATION, STABLE_REVISION_LABEL, type RolloutPlan } from "./api.js";
import type { RolloutStatus } from "./status.js";

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

/** Lookups built once per pass so N Rollouts cost O(N), not O(N²). */
export interface RolloutIndex {
  /** ReplicaSets by the uid of their controlling Deployment. */
  readonly replicaSetsByOwner: ReadonlyMap<string, readonly KubeObject[]>;
  /** Canary Deployments by `namespace/stable-name`. */
  readonly canaryByStable: ReadonlyMap<string, KubeObject>;
}

/** Builds the per-pass {@link RolloutIndex}. */
export function buildRolloutIndex(view: ControllerView): RolloutIndex {
  const canaryByStable = new Map<string, KubeObject>();
  for (const deployment of view.list("apps/v1", "Deployment")) {
    const stable = deployment.metadata.labels?.[CANARY_DEPLOYMENT_LABEL];
    if (stable !== undefined && deployment.metadata.deletionTimestamp === undefined)
      canaryByStable.set(`${deployment.metadata.namespace ?? "default"}/${stable}`, deployment);
  }
  return { replicaSetsByOwner: groupByController(view.list("apps/v1", "ReplicaSet")), canaryByStable };
}

/** Everything one reconcile of one Rollout works with; `changes` collects the writes in order. */
export interface RolloutContext {
  readonly index: RolloutIndex;
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
export function describeDeployment(view: ControllerView, deployment: KubeObject, index?: RolloutIndex): WorkloadInfo {
  const namespace = deployment.metadata.namespace;
  const candidates =
    index === undefined
      ? view.list("apps/v1", "ReplicaSet", namespace === undefined ? {} : { namespace })
      : childrenOf(index.replicaSetsByOwner, deployment);
  const owned = candidates.filter(
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
