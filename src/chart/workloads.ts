/**
 * Workloads in rendered chart output: what a `kruise-rollout` trait can target (Deployment,
 * StatefulSet, CloneSet). Used by `dry-run --expand-charts` and the sandbox's Flux controller.
 */
import type { KubeObject } from "../model/kube-object.js";
import { ChartError } from "./errors.js";

/** `apiVersion` group and kinds a Kruise Rollout can target. */
const WORKLOAD_KINDS: readonly { readonly group: string; readonly kind: string }[] = [
  { group: "apps", kind: "Deployment" },
  { group: "apps", kind: "StatefulSet" },
  { group: "apps.kruise.io", kind: "CloneSet" },
  { group: "apps.kruise.io", kind: "StatefulSet" },
];

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** True when the object is a Deployment, StatefulSet or CloneSet. */
export function isWorkload(object: KubeObject): boolean {
  return WORKLOAD_KINDS.some((w) => w.kind === object.kind && w.group === groupOf(object.apiVersion));
}

/** The Deployments, StatefulSets and CloneSets (apps.kruise.io) among `objects`, in order. */
export function findWorkloads(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter(isWorkload);
}

/** What a rollout trait says about its target; all fields optional (absent = "the only workload"). */
export interface WorkloadSelector {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
}

function describe(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name ?? ""}`;
}

/**
 * Finds the one workload a rollout targets among a chart's objects: the one matching `selector`,
 * or the only workload when no name is given. The error names the objects the chart does create.
 * `subject` names the component in messages (e.g. `component "canary-demo"`).
 */
export function selectRolloutWorkload(
  objects: readonly KubeObject[],
  selector: WorkloadSelector,
  subject: string,
): KubeObject {
  const workloads = findWorkloads(objects);
  const found = workloads.map(describe).join(", ");
  const matching = workloads.filter(
    (w) =>
      (selector.name === undefined || w.metadata.name === selector.name) &&
      (selector.kind === undefined || w.kind === selector.kind) &&
      (selector.apiVersion === undefined || w.apiVersion === selector.apiVersion),
  );
  const wanted = `${selector.kind ?? "workload"}${selector.name === undefined ? "" : `/${selector.name}`}`;
  if (matching.length === 1 && matching[0] !== undefined) return matching[0];
  if (workloads.length === 0) {
    const all = objects.map(describe).join(", ");
    throw new ChartError(
      "E_CHART_NOT_FOUND",
      `${subject}: the chart creates no Deployment, StatefulSet or CloneSet for the rollout to target`,
      {
        hint: all === "" ? "the chart renders no objects with these values" : `the chart creates: ${all}`,
      },
    );
  }
  if (matching.length === 0) {
    throw new ChartError(
      "E_CHART_NOT_FOUND",
      `${subject}: the rollout targets ${wanted}, which the chart does not create`,
      { hint: `workloads the chart creates: ${found}` },
    );
  }
  throw new ChartError("E_CHART_NOT_FOUND", `${subject}: the rollout target ${wanted} is ambiguous`, {
    hint: `name one of: ${found}`,
  });
}
