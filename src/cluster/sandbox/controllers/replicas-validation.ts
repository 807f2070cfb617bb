import type { ValidationIssue } from "../../../errors/index.js";
import { groupOf, type KubeObject } from "../../../model/kube-object.js";
import { isJsonObject } from "../../../util/index.js";
import type { SimulatedValidation } from "../controller-contract.js";

/**
 * `spec.replicas` may not be negative, as the API server's `ValidateNonnegativeField` refuses it
 * with 422 Invalid (kubernetes `pkg/apis/apps/validation` for Deployment, ReplicaSet and StatefulSet;
 * OpenKruise's webhook for CloneSet and Advanced StatefulSet; Argo Rollouts' for a Rollout).
 */
const SCALED_KINDS = new Set([
  "apps/Deployment",
  "apps/ReplicaSet",
  "apps/StatefulSet",
  "apps.kruise.io/CloneSet",
  "apps.kruise.io/StatefulSet",
  "argoproj.io/Rollout",
]);

function replicasIssues(object: KubeObject): ValidationIssue[] {
  if (!SCALED_KINDS.has(`${groupOf(object.apiVersion)}/${object.kind}`)) return [];
  const replicas = isJsonObject(object.spec) ? object.spec.replicas : undefined;
  if (typeof replicas !== "number" || replicas >= 0) return [];
  return [
    {
      code: "E_INVALID_OBJECT",
      message: `spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`,
      path: "/spec/replicas",
      hint: "set spec.replicas to 0 or more (0 scales the workload down)",
    },
  ];
}

/** The API server's refusal of a negative `spec.replicas` on the workload kinds that have one. */
export const replicasValidation: SimulatedValidation = {
  name: "replicas",
  validate(_operation, incoming) {
    if (incoming.metadata.deletionTimestamp !== undefined) return [];
    return replicasIssues(incoming);
  },
};
