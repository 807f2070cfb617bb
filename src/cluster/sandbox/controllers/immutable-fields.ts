import type { ValidationIssue } from "../../../errors/index.js";
import type { KubeObject } from "../../../model/kube-object.js";
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../../../util/index.js";
import type { SimulatedValidation } from "../controller-contract.js";

/**
 * The API server's update validation of fields that may not change once set (kubernetes
 * `pkg/apis/apps/validation` `ValidateDeploymentUpdate`, `ValidateStatefulSetUpdate`,
 * `pkg/apis/core/validation` `ValidateServiceUpdate`, `pkg/apis/batch/validation` `ValidateJobUpdate`),
 * so a change that a real cluster refuses with 422 Invalid is refused on the sandbox too:
 *
 * - Deployment (apps/v1) `spec.selector`;
 * - Service `spec.clusterIP` and `spec.clusterIPs` once allocated (unless the type becomes or was
 *   `ExternalName`; an update that omits them keeps the allocated ones, as the API server fills them);
 * - StatefulSet: only `replicas`, `ordinals`, `template`, `updateStrategy`,
 *   `persistentVolumeClaimRetentionPolicy` and `minReadySeconds` of `spec` may change;
 * - Job `spec.selector` and `spec.template`.
 */

const STATEFULSET_MUTABLE = new Set([
  "replicas",
  "ordinals",
  "template",
  "updateStrategy",
  "persistentVolumeClaimRetentionPolicy",
  "minReadySeconds",
]);

const HINT = "delete and re-create the object to change it (a real API server refuses this update too)";

function specOf(object: KubeObject): JsonObject {
  return isJsonObject(object.spec) ? object.spec : {};
}

function shown(value: JsonValue | undefined): string {
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value ?? null);
}

function immutable(
  path: string,
  field: string,
  value: JsonValue | undefined,
  detail = "field is immutable",
): ValidationIssue {
  return { code: "E_INVALID_OBJECT", message: `${field}: Invalid value: ${shown(value)}: ${detail}`, path, hint: HINT };
}

function changed(before: JsonObject, after: JsonObject, key: string): boolean {
  return !jsonEqual(before[key] ?? null, after[key] ?? null);
}

function deploymentIssues(incoming: KubeObject, existing: KubeObject): ValidationIssue[] {
  const before = specOf(existing);
  const after = specOf(incoming);
  return changed(before, after, "selector") ? [immutable("/spec/selector", "spec.selector", after.selector)] : [];
}

function serviceIssues(incoming: KubeObject, existing: KubeObject): ValidationIssue[] {
  const before = specOf(existing);
  const after = specOf(incoming);
  if (before.type === "ExternalName" || after.type === "ExternalName") return [];
  const issues: ValidationIssue[] = [];
  const oldIp = before.clusterIP;
  const newIp = after.clusterIP;
  if (typeof oldIp === "string" && oldIp !== "" && newIp !== undefined && newIp !== "" && newIp !== oldIp)
    issues.push(immutable("/spec/clusterIP", "spec.clusterIP", newIp));
  const oldIps = Array.isArray(before.clusterIPs) ? before.clusterIPs : [];
  const newIps = Array.isArray(after.clusterIPs) ? after.clusterIPs : [];
  if (oldIps.length > 0 && newIps.length > 0 && newIps[0] !== oldIps[0])
    issues.push(immutable("/spec/clusterIPs/0", "spec.clusterIPs[0]", newIps, "may not change once set"));
  return issues;
}

function statefulSetIssues(incoming: KubeObject, existing: KubeObject): ValidationIssue[] {
  const before = specOf(existing);
  const after = specOf(incoming);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const forbidden = [...keys].filter((key) => !STATEFULSET_MUTABLE.has(key) && changed(before, after, key)).sort();
  if (forbidden.length === 0) return [];
  const list = forbidden.map((key) => `spec.${key}`).join(", ");
  const message =
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', " +
    `'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden (changed: ${list})`;
  return [{ code: "E_INVALID_OBJECT", message, path: "/spec", hint: HINT }];
}

function jobIssues(incoming: KubeObject, existing: KubeObject): ValidationIssue[] {
  const before = specOf(existing);
  const after = specOf(incoming);
  return [
    ...(changed(before, after, "selector") ? [immutable("/spec/selector", "spec.selector", after.selector)] : []),
    ...(changed(before, after, "template") ? [immutable("/spec/template", "spec.template", after.template)] : []),
  ];
}

/** Update checks by `apiVersion kind`. */
const CHECKS: Readonly<Record<string, (incoming: KubeObject, existing: KubeObject) => ValidationIssue[]>> = {
  "apps/v1 Deployment": deploymentIssues,
  "v1 Service": serviceIssues,
  "apps/v1 StatefulSet": statefulSetIssues,
  "batch/v1 Job": jobIssues,
};

/** The API server's immutable-field checks, as a validation every sandbox runs (no addon). */
export const immutableFieldsValidation: SimulatedValidation = {
  name: "immutable-fields",
  validate(operation, incoming, existing) {
    if (operation !== "UPDATE" || existing === undefined) return [];
    if (incoming.metadata.deletionTimestamp !== undefined) return [];
    return CHECKS[`${incoming.apiVersion} ${incoming.kind}`]?.(incoming, existing) ?? [];
  },
};
