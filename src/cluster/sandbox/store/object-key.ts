import type { KubeObject } from "../../../model/kube-object.js";
import { groupOf } from "../../../model/kube-object.js";

/** `group/Kind`: objects of every served version of a kind share one store, as in the API server. */
export function groupKindOf(apiVersion: string, kind: string): string {
  return `${groupOf(apiVersion)}/${kind}`;
}

/** The store key of an object: `group/Kind/namespace/name` (namespace empty for cluster-scoped). */
export function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${groupKindOf(apiVersion, kind)}/${namespace ?? ""}/${name}`;
}

export function keyOf(object: KubeObject): string {
  return objectKey(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name ?? "");
}

/** Orders by namespace, then name: the order `list` returns (code-unit order, as the API server's keys). */
export function compareNamespaceThenName(namespaceA: string, nameA: string, namespaceB: string, nameB: string): number {
  if (namespaceA !== namespaceB) return namespaceA < namespaceB ? -1 : 1;
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

/** {@link compareNamespaceThenName} over objects. */
export function byNamespaceThenName(a: KubeObject, b: KubeObject): number {
  return compareNamespaceThenName(
    a.metadata.namespace ?? "",
    a.metadata.name ?? "",
    b.metadata.namespace ?? "",
    b.metadata.name ?? "",
  );
}
