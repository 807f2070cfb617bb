/**
 * Simulated Kruise Rollout mutating webhook on workload UPDATE (`openkruise/rollouts`
 * `pkg/webhook/workload/mutating/workload_update_handler.go` `handleDeployment`,
 * `handleCloneSet`, `handleStatefulSetLikeWorkload`).
 *
 * Acts only on UPDATE of a workload that a non-disabled, non-deleting Rollout in the same
 * namespace references. While the workload carries the in-progress annotation every update is
 * forced back to `paused: true` (and a switch to Recreate is reverted). Otherwise a Deployment
 * enters a release when `spec.replicas` ≠ 0, its template changed ignoring the pod-template-hash
 * label (or, with `rollouts.kruise.io/rollout-id`, that annotation changed), it has an active
 * ReplicaSet and — with traffic routing — exactly one: it gets `paused: true`, the stable-revision
 * label and the in-progress annotation in the same admission; in partition style also the
 * `rollouts.kruise.io/deployment-strategy` annotation with partition 0 (nothing updated yet).
 * CloneSets/StatefulSets (partition style) get a partition that updates nothing yet. CREATE is
 * never intercepted.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import { jsonEqual, type JsonObject } from "../../../../util/index.js";
import type { ControllerView, SimulatedAdmission } from "../../controller-contract.js";
import { numberAt, objectAt, stringAt } from "../common/fields.js";
import { isControlledBy } from "../common/owners.js";
import { equalIgnoringHash, POD_TEMPLATE_HASH_LABEL } from "../common/pods.js";
import { controllerRevision } from "../common/revisions.js";
import {
  DEPLOYMENT_STRATEGY_ANNOTATION,
  IN_PROGRESSING_ANNOTATION,
  listRollouts,
  readRolloutPlan,
  ROLLOUT_ID_ANNOTATION,
  rolloutTargets,
  STABLE_REVISION_LABEL,
  type RolloutPlan,
} from "./api.js";
import { STATEFULSET_HOLD_PARTITION } from "./partition-style.js";

const SUPPORTED: ReadonlySet<string> = new Set([
  "apps/Deployment",
  "apps/StatefulSet",
  "apps.kruise.io/CloneSet",
  "apps.kruise.io/StatefulSet",
]);

function groupKind(object: KubeObject): string {
  const slash = object.apiVersion.indexOf("/");
  return `${slash < 0 ? "" : object.apiVersion.slice(0, slash)}/${object.kind}`;
}

function findRollout(
  view: ControllerView,
  workload: KubeObject,
): { readonly rollout: KubeObject; readonly plan: RolloutPlan } | undefined {
  for (const rollout of listRollouts(view, workload.metadata.namespace ?? "default")) {
    if (rollout.metadata.deletionTimestamp !== undefined) continue;
    const plan = readRolloutPlan(rollout);
    if (!plan.disabled && rolloutTargets(plan, workload)) return { rollout, plan };
  }
  return undefined;
}

function templateChanged(incoming: KubeObject, existing: KubeObject): boolean {
  const newId = incoming.metadata.annotations?.[ROLLOUT_ID_ANNOTATION];
  if (newId !== undefined) return newId !== existing.metadata.annotations?.[ROLLOUT_ID_ANNOTATION];
  return !equalIgnoringHash(objectAt(incoming, ["spec", "template"]), objectAt(existing, ["spec", "template"]));
}

function withMarks(object: KubeObject, rolloutName: string, stableRevision: string, spec: JsonObject): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...(object.metadata.labels ?? {}), [STABLE_REVISION_LABEL]: stableRevision },
      annotations: {
        ...(object.metadata.annotations ?? {}),
        [IN_PROGRESSING_ANNOTATION]: JSON.stringify({ rolloutName }),
      },
    },
    spec,
  };
}

function admitDeployment(
  incoming: KubeObject,
  existing: KubeObject,
  view: ControllerView,
  rollout: KubeObject,
  plan: RolloutPlan,
): KubeObject {
  const spec: JsonObject = structuredClone(objectAt(incoming, ["spec"]) ?? {});
  if (incoming.metadata.annotations?.[IN_PROGRESSING_ANNOTATION] !== undefined) {
    let changed = false;
    if (spec.paused !== true) {
      spec.paused = true;
      changed = true;
    }
    const oldStrategy = objectAt(existing, ["spec", "strategy"]);
    if (
      stringAt(incoming, ["spec", "strategy", "type"]) === "Recreate" &&
      stringAt(existing, ["spec", "strategy", "type"]) !== "Recreate"
    ) {
      spec.strategy = oldStrategy === undefined ? { type: "RollingUpdate" } : structuredClone(oldStrategy);
      changed = true;
    }
    return changed ? { ...incoming, spec } : incoming;
  }
  if (numberAt(incoming, ["spec", "replicas"]) === 0 || !templateChanged(incoming, existing)) return incoming;
  const active = view
    .list("apps/v1", "ReplicaSet", { namespace: existing.metadata.namespace ?? "default" })
    .filter(
      (rs) =>
        isControlledBy(rs, existing) &&
        (numberAt(rs, ["spec", "replicas"]) ?? 0) > 0 &&
        rs.metadata.deletionTimestamp === undefined,
    );
  if (active.length === 0 || (plan.trafficRouting !== undefined && active.length !== 1)) return incoming;
  const stable = active[0]?.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? "";
  spec.paused = true;
  const marked = withMarks(incoming, rollout.metadata.name ?? "", stable, spec);
  if (plan.style === "canary") return marked;
  // Partition style: the native controller stays paused; the rollouts controller's own Deployment
  // controller rolls pods up to the partition with the Deployment's rolling settings.
  const rolling = objectAt(incoming, ["spec", "strategy", "rollingUpdate"]);
  const strategy = {
    rollingStyle: "Partition",
    rollingUpdate: { maxSurge: rolling?.maxSurge ?? "25%", maxUnavailable: rolling?.maxUnavailable ?? "25%" },
    partition: 0,
    paused: false,
  };
  return {
    ...marked,
    metadata: {
      ...marked.metadata,
      annotations: {
        ...(marked.metadata.annotations ?? {}),
        [DEPLOYMENT_STRATEGY_ANNOTATION]: JSON.stringify(strategy),
      },
    },
  };
}

function admitPartitionWorkload(incoming: KubeObject, existing: KubeObject, rollout: KubeObject): KubeObject {
  if (incoming.metadata.annotations?.[IN_PROGRESSING_ANNOTATION] !== undefined) return incoming;
  if (numberAt(incoming, ["spec", "replicas"]) === 0 || !templateChanged(incoming, existing)) return incoming;
  const spec: JsonObject = structuredClone(objectAt(incoming, ["spec"]) ?? {});
  const strategy: JsonObject = structuredClone(objectAt(incoming, ["spec", "updateStrategy"]) ?? {});
  if (incoming.kind === "CloneSet") {
    strategy.partition = "100%";
    strategy.paused = false;
  } else {
    strategy.type = strategy.type ?? "RollingUpdate";
    strategy.rollingUpdate = {
      ...(objectAt(strategy, ["rollingUpdate"]) ?? {}),
      partition: STATEFULSET_HOLD_PARTITION,
    };
  }
  spec.updateStrategy = strategy;
  return withMarks(incoming, rollout.metadata.name ?? "", controllerRevision(existing), spec);
}

/** The webhook as a sandbox admission (addon `kruise-rollout`). */
export const kruiseRolloutAdmission: SimulatedAdmission = {
  name: "kruise-rollout-workload",
  addon: "kruise-rollout",
  admit(operation, incoming, existing, view) {
    if (operation !== "UPDATE" || existing === undefined || !SUPPORTED.has(groupKind(incoming))) return incoming;
    if (incoming.metadata.deletionTimestamp !== undefined) return incoming;
    // Cheap checks first: most updates (status, scale, annotations) neither carry the in-progress
    // annotation nor change the template, and need no Rollout lookup.
    if (
      incoming.metadata.annotations?.[IN_PROGRESSING_ANNOTATION] === undefined &&
      !templateChanged(incoming, existing)
    )
      return incoming;
    const found = findRollout(view, incoming);
    if (found === undefined) return incoming;
    const admitted =
      incoming.kind === "Deployment"
        ? admitDeployment(incoming, existing, view, found.rollout, found.plan)
        : admitPartitionWorkload(incoming, existing, found.rollout);
    return jsonEqual(admitted, incoming) ? incoming : admitted;
  },
};
