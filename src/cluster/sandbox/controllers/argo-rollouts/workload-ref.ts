/**
 * `spec.workloadRef` (`rollout/templateref.go`; docs `migrating.md` "Reference Deployment From
 * Rollout", `features/specification.md`): the Rollout takes its pod template (and, when it has none,
 * its selector) from a Deployment, whose own pods it never touches, and scales that Deployment
 * down per `workloadRef.scaleDown`:
 *
 * - `never` (default): the Deployment keeps its replicas;
 * - `onsuccess`: the Deployment goes to 0 once the Rollout is Healthy;
 * - `progressively`: while the Rollout's pods come up, the Deployment keeps `replicas − available
 *   Rollout pods`, so the two together never run more than the declared replicas as the stable
 *   version; once the Rollout has a fully available stable ReplicaSet the Deployment stays at 0.
 *
 * A change to the Deployment's template is a new Rollout revision (the canary steps run); the
 * Deployment's generation is recorded in annotation `rollout.argoproj.io/workload-generation`.
 */
import type { KubeObject } from "../../../../model/kube-object.js";
import type { ControllerChange } from "../../controller-contract.js";
import { numberAt } from "../common/fields.js";
import type { WorkloadRef } from "./api.js";

/** The replicas the referenced Deployment should have now; undefined to leave it alone. */
export function workloadTargetReplicas(
  ref: WorkloadRef,
  rolloutReplicas: number,
  stableAvailable: number,
  healthy: boolean,
): number | undefined {
  switch (ref.scaleDown) {
    case "never":
      return undefined;
    case "onsuccess":
      return healthy ? 0 : undefined;
    case "progressively":
      return Math.max(0, rolloutReplicas - stableAvailable);
  }
}

/** The scale write on the Deployment, when its replicas differ from the target. */
export function scaleWorkload(workload: KubeObject, target: number | undefined): ControllerChange | undefined {
  if (target === undefined) return undefined;
  const current = numberAt(workload, ["spec", "replicas"]);
  if (current === target) return undefined;
  return {
    op: "patch",
    ref: {
      apiVersion: workload.apiVersion,
      kind: workload.kind,
      name: workload.metadata.name ?? "",
      ...(workload.metadata.namespace === undefined ? {} : { namespace: workload.metadata.namespace }),
    },
    body: { type: "merge", patch: { spec: { replicas: target } } },
  };
}
