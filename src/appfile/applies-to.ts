import type { TraitDefinition, WorkloadType } from "../definitions/index.js";
import { groupOf } from "../model/index.js";

/** Lower-case plural of a Kind, as Kubernetes names resources (`Ingress` → `ingresses`, `Policy` → `policies`). */
export function pluralOfKind(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** `resource.group` of a kind (`apps/v1` Deployment → `deployments.apps`; core kinds have no group). */
export function resourceOf(apiVersion: string, kind: string): string {
  const group = groupOf(apiVersion);
  return group === "" ? pluralOfKind(kind) : `${pluralOfKind(kind)}.${group}`;
}

/** The workload `resource.group` a component definition declares, or undefined when it is autodetected. */
export function declaredWorkloadResource(workload: WorkloadType): string | undefined {
  switch (workload.mode) {
    case "definition":
      return resourceOf(workload.apiVersion, workload.kind);
    case "type":
      return workload.type;
    case "autodetect":
      return undefined;
  }
}

/**
 * Whether a trait may be attached to a component (KubeVela's `appliesToWorkloads`): an empty list or
 * `*` allows all; entries match the component type name, the workload's `resource.group`, or
 * `*.group`. `resource` undefined (autodetected workload) matches only by type name and `*`.
 */
export function traitAppliesTo(trait: TraitDefinition, componentType: string, resource: string | undefined): boolean {
  const allowed = trait.appliesToWorkloads;
  if (allowed.length === 0) return true;
  const group =
    resource === undefined ? undefined : resource.includes(".") ? resource.slice(resource.indexOf(".") + 1) : "";
  return allowed.some(
    (entry) =>
      entry === "*" ||
      entry === componentType ||
      (resource !== undefined && (entry === resource || (entry.startsWith("*.") && entry.slice(2) === group))),
  );
}

/** Whether `appliesToWorkloads` can only be decided once the workload's kind is known (after render). */
export function needsRenderedWorkload(
  trait: TraitDefinition,
  componentType: string,
  resource: string | undefined,
): boolean {
  return resource === undefined && !traitAppliesTo(trait, componentType, undefined);
}

/** Whether trait `a` declares a conflict with trait type `b` (`conflictsWith` names, or `*`). */
export function traitConflictsWith(a: TraitDefinition, b: string): boolean {
  return a.conflictsWith.some((entry) => entry === "*" || entry === b);
}
