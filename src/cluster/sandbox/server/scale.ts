import type { KubeObject } from "../../../model/kube-object.js";
import type { ResourceType } from "../../resources.js";
import { displayText, isJsonObject, toJsonObject, type JsonObject, type JsonValue } from "../../../util/index.js";

/**
 * The `scale` subresource (`autoscaling/v1` Scale), as the API server serves it for the workloads
 * and as a CRD's `subresources.scale` declares it: where the desired replicas live in the object,
 * where the observed count is, and how the pods are selected. `kubectl scale` reads and patches it.
 */

/** Where a kind keeps what its Scale shows (CRD `subresources.scale` paths, without the leading dot). */
interface ScalePaths {
  readonly specReplicasPath: readonly string[];
  readonly statusReplicasPath: readonly string[];
  /** A label selector object (`spec.selector`) or a selector string (`status.selector` of a CRD). */
  readonly labelSelectorPath?: readonly string[];
}

const WORKLOAD: ScalePaths = {
  specReplicasPath: ["spec", "replicas"],
  statusReplicasPath: ["status", "replicas"],
  labelSelectorPath: ["spec", "selector"],
};

/** Kinds with a scale subresource, by `<plural>.<group>`: the apps workloads, Kruise's CloneSet, Argo's Rollout. */
const SCALABLE: Readonly<Record<string, ScalePaths>> = {
  "deployments.apps": WORKLOAD,
  "replicasets.apps": WORKLOAD,
  "statefulsets.apps": WORKLOAD,
  "clonesets.apps.kruise.io": {
    specReplicasPath: ["spec", "replicas"],
    statusReplicasPath: ["status", "replicas"],
    labelSelectorPath: ["status", "labelSelector"],
  },
  "rollouts.argoproj.io": {
    specReplicasPath: ["spec", "replicas"],
    statusReplicasPath: ["status", "HPAReplicas"],
    labelSelectorPath: ["status", "selector"],
  },
};

function pathsOf(type: ResourceType): ScalePaths | undefined {
  return SCALABLE[`${type.plural}.${type.group}`];
}

/** True when the kind has a `scale` subresource. */
export function hasScaleSubresource(type: ResourceType): boolean {
  return pathsOf(type) !== undefined;
}

function read(object: KubeObject, path: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = toJsonObject(object);
  for (const segment of path) current = isJsonObject(current) ? current[segment] : undefined;
  return current;
}

/** A label selector object as the string form a Scale shows (`app=web,tier in (a,b)`). */
function selectorText(selector: JsonValue | undefined): string {
  if (typeof selector === "string") return selector;
  if (!isJsonObject(selector)) return "";
  const parts: string[] = [];
  if (isJsonObject(selector["matchLabels"]))
    for (const [key, value] of Object.entries(selector["matchLabels"])) parts.push(`${key}=${displayText(value)}`);
  const expressions = Array.isArray(selector["matchExpressions"]) ? selector["matchExpressions"] : [];
  for (const expression of expressions) {
    if (!isJsonObject(expression)) continue;
    const key = displayText(expression["key"]);
    const values = Array.isArray(expression["values"]) ? expression["values"].map(String).join(",") : "";
    switch (expression["operator"]) {
      case "In":
        parts.push(`${key} in (${values})`);
        break;
      case "NotIn":
        parts.push(`${key} notin (${values})`);
        break;
      case "Exists":
        parts.push(key);
        break;
      case "DoesNotExist":
        parts.push(`!${key}`);
        break;
    }
  }
  return parts.join(",");
}

/** The `autoscaling/v1` Scale of an object whose kind has the subresource. */
export function scaleOf(object: KubeObject, type: ResourceType): JsonObject {
  const paths = pathsOf(type) ?? WORKLOAD;
  const desired = read(object, paths.specReplicasPath);
  const observed = read(object, paths.statusReplicasPath);
  const metadata: JsonObject = {
    name: object.metadata.name ?? "",
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
    ...(object.metadata.uid === undefined ? {} : { uid: object.metadata.uid }),
    ...(object.metadata.resourceVersion === undefined ? {} : { resourceVersion: object.metadata.resourceVersion }),
    ...(object.metadata.creationTimestamp === undefined
      ? {}
      : { creationTimestamp: object.metadata.creationTimestamp }),
  };
  const selector = paths.labelSelectorPath === undefined ? "" : selectorText(read(object, paths.labelSelectorPath));
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata,
    // A workload without spec.replicas runs one replica (the API server's default).
    spec: { replicas: typeof desired === "number" ? desired : 1 },
    status: { replicas: typeof observed === "number" ? observed : 0, ...(selector === "" ? {} : { selector }) },
  };
}

/** The desired replicas a Scale asks for, or why it cannot be used (the API server's wording for `spec.replicas`). */
export function replicasOfScale(scale: JsonValue): { replicas: number } | { invalid: string } {
  const spec = isJsonObject(scale) ? scale["spec"] : undefined;
  const replicas = isJsonObject(spec) ? spec["replicas"] : undefined;
  if (typeof replicas !== "number" || !Number.isInteger(replicas))
    return { invalid: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be an integer` };
  if (replicas < 0) return { invalid: `Invalid value: ${replicas}: must be greater than or equal to 0` };
  return { replicas };
}

/** The merge patch that sets an object's desired replicas to `replicas`. */
export function replicasPatch(type: ResourceType, replicas: number): JsonObject {
  const path = (pathsOf(type) ?? WORKLOAD).specReplicasPath;
  const [field = "replicas", ...outer] = [...path].reverse();
  let patch: JsonObject = { [field]: replicas };
  for (const segment of outer) patch = { [segment]: patch };
  return patch;
}
